using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Recommender.Api.Contracts;
using Recommender.Api.Options;
using Recommender.Api.Security;
using Recommender.Api.Writes;
using Recommender.Data;

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
            .WithSummary("Stream a rating file in the request body — CSV (user,item,rating[,timestamp], optional header), MovieLens ratings.csv, u.data (tab) or ratings.dat (::) — into the store in one transaction: all or nothing. ?format=auto|csv|tab|dat; ?id= names the import, to follow it at /api/ratings/imports/{id} while it runs.")
            .Accepts<Stream>("text/csv", "text/plain", "application/octet-stream")
            .WithImportBodyLimit()
            .DisableRequestTimeout()
            .ProducesProblem(StatusCodes.Status408RequestTimeout)
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapGet("/imports", GetImports).WithName(nameof(GetImports))
            .WithSummary("The rating imports of this node: the running ones (how many ratings each has read, how fast, and whether it is still reading or already applying), then the last 20 that ended.");
        group.MapGet("/imports/{id}", GetImport).WithName(nameof(GetImport))
            .WithSummary("One rating import of this node, running or among the last 20 that ended, by the id it was sent with (?id= on the import) or was given.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/", GetRatings).WithName(nameof(GetRatings))
            .WithSummary("List ratings, optionally of one user and/or one item, by page.");
        group.MapDelete("/{userId}/{itemId}", DeleteRating).WithName(nameof(DeleteRating))
            .WithSummary("Delete one rating.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    public static async Task<Results<Created<RatingResponse>, Ok<RatingResponse>, ValidationProblem, WriteProblem>> PostRating(
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
        var result = await writer.WriteAsync(ToInput(request, now));
        if (result.Failure is { } failure)
        {
            return WriteProblem.For(failure);
        }

        var response = ToResponse(request, now);
        return result.Value
            ? TypedResults.Created($"/api/ratings?userId={Uri.EscapeDataString(response.UserId)}&itemId={Uri.EscapeDataString(response.ItemId)}", response)
            : TypedResults.Ok(response);
    }

    public static async Task<Results<Ok<RatingBatchResponse>, ValidationProblem, WriteProblem>> PostRatingBatch(
        RatingBatchRequest request,
        RatingWriter writer,
        IOptions<RatingsOptions> options,
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
        var result = await writer.WriteBatchAsync([.. ratings.Select(r => ToInput(r, now))], cancellationToken);
        return result.Failure is { } failure
            ? WriteProblem.For(failure)
            : TypedResults.Ok(new RatingBatchResponse { Created = result.Value.Created, Updated = result.Value.Updated });
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

    public static async Task<Results<NoContent, ProblemHttpResult, ValidationProblem, WriteProblem>> DeleteRating(
        string userId,
        string itemId,
        RatingWriter writer,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        Validation.CheckId(errors, "userId", userId);
        Validation.CheckId(errors, "itemId", itemId);
        if (errors.Count > 0)
        {
            return Validation.Invalid(errors);
        }

        var result = await writer.DeleteRatingAsync(userId, itemId, cancellationToken);
        if (result.Failure is { } failure)
        {
            return WriteProblem.For(failure);
        }

        return result.Value
            ? TypedResults.NoContent()
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown rating.", detail: $"User '{userId}' has not rated '{itemId}'.");
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

    /// <summary>The rating as the writer takes it; without a timestamp it was given <paramref name="now"/>.</summary>
    private static RatingInput ToInput(RatingRequest request, DateTimeOffset now) =>
        new(request.UserId!, request.ItemId!, request.Rating!.Value, (request.Timestamp ?? now).ToUnixTimeMilliseconds());

    private static RatingResponse ToResponse(RatingRequest request, DateTimeOffset now) => new()
    {
        UserId = request.UserId!,
        ItemId = request.ItemId!,
        Rating = request.Rating!.Value,
        Timestamp = request.Timestamp ?? now,
    };
}
