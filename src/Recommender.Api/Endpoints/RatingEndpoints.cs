using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Recommender.Api.Contracts;
using Recommender.Api.Options;
using Recommender.Api.Security;
using Recommender.Api.Training;
using Recommender.Data;
using Recommender.Api.Writes;
using Recommender.Core.Data;

namespace Recommender.Api.Endpoints;

/// <summary><c>/api/ratings</c>: upserts, batches, listing and deletion of ratings.</summary>
public static partial class RatingEndpoints
{
    public static IEndpointRouteBuilder MapRatingEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/ratings").WithTags("Ratings").RequireAuthorization(ApiKeyPolicies.Api);
        group.MapPost("/", PostRating).WithName(nameof(PostRating))
            .WithSummary("Store a rating (201 when new, 200 when it replaced an earlier value).")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        group.MapPost("/batch", PostRatingBatch).WithName(nameof(PostRatingBatch))
            .WithSummary("Store up to Ratings:MaxBatchSize ratings in one transaction: all or nothing.");
        group.MapPost("/import", ImportRatings).WithName(nameof(ImportRatings))
            .WithSummary("Stream a rating file in the request body — CSV (user,item,rating[,timestamp], optional header), MovieLens ratings.csv, u.data (tab) or ratings.dat (::) — into the store in one transaction: all or nothing. ?format=auto|csv|tab|dat.")
            .Accepts<Stream>("text/csv", "text/plain", "application/octet-stream")
            .WithImportBodyLimit()
            .DisableRequestTimeout();
        group.MapGet("/", GetRatings).WithName(nameof(GetRatings))
            .WithSummary("List ratings, optionally of one user and/or one item, by page.");
        group.MapDelete("/{userId}/{itemId}", DeleteRating).WithName(nameof(DeleteRating))
            .WithSummary("Delete one rating.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    public static async Task<Results<Created<RatingResponse>, Ok<RatingResponse>, ValidationProblem, ProblemHttpResult>> PostRating(
        RatingRequest request,
        RatingWriter writer,
        IOptions<RatingsOptions> options,
        TimeProvider time)
    {
        var errors = new Dictionary<string, string[]>();
        Check(errors, request, options.Value, prefix: "");
        if (errors.Count > 0)
        {
            return Validation.Invalid(errors);
        }

        var now = time.GetUtcNow();
        bool created;
        try
        {
            created = await writer.WriteAsync(request.UserId!, request.ItemId!, request.Rating!.Value, (request.Timestamp ?? now).ToUnixTimeMilliseconds());
        }
        catch (InvalidOperationException e)
        {
            // Shutting down, or the group's commit failed: nothing of this rating was stored.
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "The rating was not stored.", detail: e.Message);
        }
        var response = ToResponse(request, now);
        return created
            ? TypedResults.Created($"/api/ratings?userId={Uri.EscapeDataString(response.UserId)}&itemId={Uri.EscapeDataString(response.ItemId)}", response)
            : TypedResults.Ok(response);
    }

    public static async Task<Results<Ok<RatingBatchResponse>, ValidationProblem>> PostRatingBatch(
        RatingBatchRequest request,
        RecommenderDbContext db,
        IOptions<RatingsOptions> options,
        FreshUsers freshUsers,
        TrainingTrigger trigger,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var errors = new Dictionary<string, string[]>();
        if (request.Ratings is not { Count: > 0 } ratings)
        {
            errors["ratings"] = ["ratings must hold at least one rating."];
            return Validation.Invalid(errors);
        }

        if (ratings.Count > settings.MaxBatchSize)
        {
            errors["ratings"] = [$"A batch may hold at most {settings.MaxBatchSize} ratings (Ratings:MaxBatchSize); this one has {ratings.Count}."];
            return Validation.Invalid(errors);
        }

        var seen = new HashSet<(string, string)>();
        for (var n = 0; n < ratings.Count && errors.Count < 20; n++)
        {
            if (ratings[n] is not { } rating)
            {
                errors[$"ratings[{n}]"] = [$"ratings[{n}] must be an object."];
                continue;
            }

            Check(errors, rating, settings, $"ratings[{n}].");
            if (rating.UserId is not null && rating.ItemId is not null && !seen.Add((rating.UserId, rating.ItemId)))
            {
                errors[$"ratings[{n}]"] = [$"ratings[{n}] repeats the (user, item) pair ('{rating.UserId}', '{rating.ItemId}') of an earlier entry."];
            }
        }

        if (errors.Count > 0)
        {
            return Validation.Invalid(errors);
        }

        var now = time.GetUtcNow();
        var created = 0;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            var dataVersion = await db.BumpDataVersionAsync(cancellationToken);
            using (var upserter = RatingUpserter.Create(db, now.ToUnixTimeMilliseconds(), dataVersion))
            {
                foreach (var rating in ratings)
                {
                    var timestamp = (rating.Timestamp ?? now).ToUnixTimeMilliseconds();
                    created += upserter.Upsert(rating.UserId!, rating.ItemId!, rating.Rating!.Value, timestamp) ? 1 : 0;
                }
            }

            await transaction.CommitAsync(cancellationToken);
        }

        freshUsers.MarkChanged(ratings.Select(r => r.UserId!).Distinct());
        trigger.RatingsChanged();
        return TypedResults.Ok(new RatingBatchResponse { Created = created, Updated = ratings.Count - created });
    }

    public static async Task<Results<Ok<Page<RatingResponse>>, ValidationProblem>> GetRatings(
        RecommenderDbContext db,
        IOptions<RecommendationsOptions> options,
        CancellationToken cancellationToken,
        string? userId = null,
        string? itemId = null,
        int page = 1,
        int pageSize = 20)
    {
        var errors = Paging.Check(page, pageSize, options.Value);
        if (userId is not null)
        {
            Validation.CheckId(errors, "userId", userId);
        }

        if (itemId is not null)
        {
            Validation.CheckId(errors, "itemId", itemId);
        }

        if (errors.Count > 0)
        {
            return Validation.Invalid(errors);
        }

        var query = db.Ratings.AsNoTracking();
        if (userId is not null)
        {
            query = query.Where(r => r.UserId == userId);
        }

        if (itemId is not null)
        {
            query = query.Where(r => r.ItemId == itemId);
        }

        var ordered = query.OrderBy(r => r.UserId).ThenBy(r => r.ItemId).Select(r => new RatingResponse
        {
            UserId = r.UserId,
            ItemId = r.ItemId,
            Rating = r.Value,
            Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(r.Timestamp),
        });
        return TypedResults.Ok(await Paging.PageAsync(ordered, page, pageSize, cancellationToken));
    }

    public static async Task<Results<NoContent, ProblemHttpResult, ValidationProblem>> DeleteRating(
        string userId,
        string itemId,
        RecommenderDbContext db,
        FreshUsers freshUsers,
        TrainingTrigger trigger,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        Validation.CheckId(errors, "userId", userId);
        Validation.CheckId(errors, "itemId", itemId);
        if (errors.Count > 0)
        {
            return Validation.Invalid(errors);
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var deleted = await db.Ratings.Where(r => r.UserId == userId && r.ItemId == itemId).ExecuteDeleteAsync(cancellationToken);
        if (deleted == 0)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown rating.", detail: $"User '{userId}' has not rated '{itemId}'.");
        }

        await db.StampUserRatingsAsync(userId, await db.BumpDataVersionAsync(cancellationToken), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        freshUsers.MarkChanged([userId]);
        trigger.RatingsChanged();
        return TypedResults.NoContent();
    }

    private static void Check(Dictionary<string, string[]> errors, RatingRequest rating, RatingsOptions options, string prefix)
    {
        Validation.CheckId(errors, prefix + "userId", rating.UserId);
        Validation.CheckId(errors, prefix + "itemId", rating.ItemId);
        if (rating.Rating is not { } value)
        {
            errors[prefix + "rating"] = [$"{prefix}rating is required."];
        }
        else if (!double.IsFinite(value) || value < options.Min || value > options.Max)
        {
            errors[prefix + "rating"] = [$"{prefix}rating must be a finite number between {options.Min} and {options.Max}; got {value}."];
        }
    }

    private static RatingResponse ToResponse(RatingRequest request, DateTimeOffset now) => new()
    {
        UserId = request.UserId!,
        ItemId = request.ItemId!,
        Rating = request.Rating!.Value,
        Timestamp = request.Timestamp ?? now,
    };
}
