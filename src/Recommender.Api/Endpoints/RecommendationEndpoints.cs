using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Recommender.Api.Contracts;
using Recommender.Api.Options;
using Recommender.Api.Training;

namespace Recommender.Api.Endpoints;

/// <summary><c>/api/users/{userId}/recommendations</c>: top-N by the model, or by the notebook's neighbour weighting.</summary>
public static class RecommendationEndpoints
{
    public static IEndpointRouteBuilder MapRecommendationEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/users/{userId}/recommendations", GetRecommendations).WithTags("Recommendations").RequireAuthorization(ApiKeyPolicies.Api).WithName(nameof(GetRecommendations))
            .WithSummary("Ranked items the user has not rated. strategy=model ranks by the model's score; strategy=neighbors sums the predicted rows of the most similar users, weighted by similarity (the notebook's method). exclude takes comma-separated item ids.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    public static async Task<Results<Ok<RecommendationsResponse>, ProblemHttpResult, ValidationProblem>> GetRecommendations(
        string userId,
        ModelStore store,
        FreshUsers freshUsers,
        IOptions<RecommendationsOptions> options,
        CancellationToken cancellationToken,
        int count = 10,
        string strategy = "model",
        int neighbors = 3,
        string? exclude = null)
    {
        var settings = options.Value;
        var errors = new Dictionary<string, string[]>();
        Validation.CheckId(errors, "userId", userId);
        Validation.CheckRange(errors, "count", count, 1, settings.MaxCount);
        Validation.CheckRange(errors, "neighbors", neighbors, 1, settings.MaxNeighbors);
        if (strategy is not ("model" or "neighbors"))
        {
            errors["strategy"] = [$"strategy must be 'model' or 'neighbors', not '{strategy}'."];
        }

        var excluded = exclude?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        if (excluded.Length > 1000)
        {
            errors["exclude"] = ["exclude may list at most 1000 item ids."];
        }
        else
        {
            foreach (var id in excluded)
            {
                Validation.CheckId(errors, "exclude", id);
            }
        }

        if (errors.Count > 0)
        {
            return Validation.Invalid(errors);
        }

        var (query, problem) = await UserQuery.ResolveAsync(userId, store, freshUsers, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var model = query.Model;
        var excludedIndices = excluded.Select(model.Items.IndexOf).Where(i => i >= 0).ToHashSet();
        if (strategy == "model")
        {
            var top = excludedIndices.Count == 0
                ? query.Serving.Recommendations.Top(model, query.User, count)
                : model.Recommend(query.User, count, excludedIndices);
            return TypedResults.Ok(new RecommendationsResponse
            {
                UserId = userId,
                ModelVersion = model.Version,
                Strategy = strategy,
                Fallback = query.User.IsFallback,
                Items = top.Select(s => new RecommendedItem { ItemId = model.Items.GetId(s.ItemIndex), Score = s.Score, PredictedRating = s.PredictedRating }).ToList(),
            });
        }

        var result = model.RecommendFromNeighbors(query.User, neighbors, count, excludedIndices, freshUsers.DeletedIndices(model));
        return TypedResults.Ok(new RecommendationsResponse
        {
            UserId = userId,
            ModelVersion = model.Version,
            Strategy = strategy,
            Fallback = query.User.IsFallback,
            Items = result.Items.Select(s => new RecommendedItem { ItemId = model.Items.GetId(s.ItemIndex), Score = s.Score, PredictedRating = s.PredictedRating }).ToList(),
            Neighbors = result.Neighbors.Select(n => new SimilarUser { UserId = model.Users.GetId(n.Index), Similarity = n.Similarity }).ToList(),
        });
    }
}
