using Recommender.Api.Telemetry;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Recommender.Api.Contracts;
using Recommender.Api.Options;
using Recommender.Api.Training;
using Recommender.Data;

namespace Recommender.Api.Endpoints;

/// <summary>Predicted ratings: one, a user's row, and the whole matrix by pages of users.</summary>
public static class PredictionEndpoints
{
    public static IEndpointRouteBuilder MapPredictionEndpoints(this IEndpointRouteBuilder app)
    {
        var users = app.MapGroup("/api/users/{userId}/predictions").WithTags("Predictions").RequireAuthorization(ApiKeyPolicies.Api);
        users.MapGet("/{itemId}", GetPrediction).WithName(nameof(GetPrediction)).Measured(RecommenderTelemetry.PredictionDuration, _ => Route("single"))
            .WithSummary("The predicted rating of one item, with the fallback used for an item or user the model does not know.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        users.MapGet("/", GetUserPredictions).WithName(nameof(GetUserPredictions)).Measured(RecommenderTelemetry.PredictionDuration, _ => Route("user"))
            .WithSummary("The user's whole predicted row; rated items carry their actual rating.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        app.MapGroup("/api/predictions").WithTags("Predictions").RequireAuthorization(ApiKeyPolicies.Api)
            .MapGet("/", GetPredictionMatrix).WithName(nameof(GetPredictionMatrix)).Measured(RecommenderTelemetry.PredictionDuration, _ => Route("matrix"))
            .WithSummary("The predicted users × items matrix (the notebook's table), paged by users.")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;

        static KeyValuePair<string, object?> Route(string name) => RecommenderTelemetry.Tag("route", name);
    }

    public static async Task<Results<Ok<PredictionResponse>, ProblemHttpResult, ValidationProblem>> GetPrediction(
        string userId, string itemId, ModelStore store, FreshUsers freshUsers, RecommenderDbContext db, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        Validation.CheckId(errors, "userId", userId);
        Validation.CheckId(errors, "itemId", itemId);
        if (errors.Count > 0)
        {
            return Validation.Invalid(errors);
        }

        var (query, problem) = await UserQuery.ResolveAsync(userId, store, freshUsers, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var item = query.Model.Items.IndexOf(itemId);
        if (item < 0 && !await db.Items.AnyAsync(i => i.Id == itemId, cancellationToken))
        {
            return Validation.UnknownItem(itemId);
        }

        var prediction = query.Model.Predict(query.User, item);
        return TypedResults.Ok(new PredictionResponse
        {
            UserId = userId,
            ItemId = itemId,
            PredictedRating = prediction.Value,
            ModelVersion = query.Model.Version,
            Fallback = UserQuery.FallbackName(prediction.Fallback),
        });
    }

    public static async Task<Results<Ok<UserPredictionsResponse>, ProblemHttpResult, ValidationProblem>> GetUserPredictions(
        string userId, ModelStore store, FreshUsers freshUsers, RecommenderDbContext db, CancellationToken cancellationToken)
    {
        if (Validation.IdProblem(userId) is not null)
        {
            return Validation.InvalidId("userId", userId);
        }

        var (query, problem) = await UserQuery.ResolveAsync(userId, store, freshUsers, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var actual = await db.Ratings.AsNoTracking().Where(r => r.UserId == userId)
            .ToDictionaryAsync(r => r.ItemId, r => r.Value, cancellationToken);
        var model = query.Model;
        var scores = new float[model.Items.Count];
        var predicted = new float[model.Items.Count];
        model.Scores(query.User, scores);
        model.PredictRowFromScores(query.User, scores, predicted);
        var items = new List<PredictedItem>(model.Items.Count);
        for (var i = 0; i < model.Items.Count; i++)
        {
            var id = model.Items.GetId(i);
            items.Add(new PredictedItem
            {
                ItemId = id,
                PredictedRating = predicted[i],
                Score = query.User.IsFallback || !model.IsItemTrained(i) ? predicted[i] : scores[i],
                ActualRating = actual.TryGetValue(id, out var value) ? value : null,
            });
        }

        return TypedResults.Ok(new UserPredictionsResponse { UserId = userId, ModelVersion = model.Version, Fallback = query.User.IsFallback ? "unknown-user" : null, Items = items });
    }

    public static async Task<Results<Ok<PredictionMatrixResponse>, ProblemHttpResult, ValidationProblem>> GetPredictionMatrix(
        ModelStore store,
        FreshUsers freshUsers,
        RecommenderDbContext db,
        IOptions<RecommendationsOptions> options,
        CancellationToken cancellationToken,
        int page = 1,
        int pageSize = 20,
        int itemPage = 1,
        int? itemPageSize = null)
    {
        var errors = Paging.Check(page, pageSize, options.Value);
        Validation.CheckRange(errors, "itemPage", itemPage, 1, Paging.MaxPage);
        Validation.CheckRange(errors, "itemPageSize", itemPageSize, 1, options.Value.MaxMatrixCells);
        if (errors.Count > 0)
        {
            return Validation.Invalid(errors);
        }

        if (store.Current is not { } serving)
        {
            return Validation.NoModel();
        }

        var model = serving.Model;
        var columns = itemPageSize ?? model.Items.Count;
        var firstItem = (int)Math.Min((long)(itemPage - 1) * columns, model.Items.Count);
        var itemCount = Math.Min(columns, model.Items.Count - firstItem);
        if (Paging.CheckCells(pageSize, itemCount, options.Value, "items", " or page the items with itemPage and itemPageSize") is { } tooLarge)
        {
            return Validation.Invalid(tooLarge);
        }

        var pageUsers = model.Users.Ids.Skip((page - 1) * pageSize).Take(pageSize).ToList();
        var actual = (await db.Ratings.AsNoTracking().Where(r => pageUsers.Contains(r.UserId))
                .Select(r => new { r.UserId, r.ItemId, r.Value }).ToListAsync(cancellationToken))
            .ToDictionary(r => (r.UserId, r.ItemId), r => r.Value);
        var itemIds = model.Items.Ids.Skip(firstItem).Take(itemCount).ToList();
        var scores = new float[model.Items.Count];
        var predicted = new float[model.Items.Count];
        var rows = new List<PredictionRow>(pageUsers.Count);
        foreach (var userId in pageUsers)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (await freshUsers.ResolveAsync(serving, userId, cancellationToken) is not { } user)
            {
                continue; // Deleted since the model was trained.
            }

            model.Scores(user, scores);
            model.PredictRowFromScores(user, scores, predicted);
            rows.Add(new PredictionRow
            {
                UserId = userId,
                Predicted = predicted.AsSpan(firstItem, itemCount).ToArray(),
                Scores = scores.AsSpan(firstItem, itemCount).ToArray(),
                Actual = itemIds.Select(item => actual.TryGetValue((userId, item), out var v) ? (double?)v : null).ToArray(),
            });
        }

        return TypedResults.Ok(new PredictionMatrixResponse
        {
            ModelVersion = model.Version,
            PageNumber = page,
            PageSize = pageSize,
            TotalUsers = model.Users.Count,
            ItemPageNumber = itemPage,
            ItemPageSize = columns,
            TotalItems = model.Items.Count,
            Items = itemIds,
            Rows = rows,
        });
    }
}
