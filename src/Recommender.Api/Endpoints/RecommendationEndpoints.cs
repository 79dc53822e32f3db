using Recommender.Api.Telemetry;
using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Recommender.Api.Contracts;
using Recommender.Api.Options;
using Recommender.Api.Training;
using Recommender.Core.Model;
using Recommender.Core.Ranking;

namespace Recommender.Api.Endpoints;

/// <summary>
/// <c>/api/users/{userId}/recommendations</c>: top-N by the ranking model (the default), by the rating model, or by the
/// notebook's neighbour weighting.
/// </summary>
public static class RecommendationEndpoints
{
    /// <summary>The strategies, as the <c>strategy</c> parameter names them.</summary>
    public static readonly string[] Strategies = ["ranking", "rating", "model", "neighbors"];

    public static IEndpointRouteBuilder MapRecommendationEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/users/{userId}/recommendations", GetRecommendations).WithTags("Recommendations").RequireAuthorization(ApiKeyPolicies.Api).WithName(nameof(GetRecommendations))
            .Measured(RecommenderTelemetry.RecommendationDuration, context => RecommenderTelemetry.Tag("strategy", StrategyOf(context)))
            .WithSummary("Ranked items the user has not rated. strategy=ranking (default) ranks by the ranking model (EASE or implicit ALS), and serves a user with no ratings the most popular items; strategy=rating (alias: model) ranks by the rating model's score; strategy=neighbors sums the predicted rows of the most similar users, weighted by similarity (the notebook's method). exclude takes comma-separated item ids.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    /// <summary>The request's strategy as a metric tag: one of <see cref="Strategies"/> ("model" counts as "rating"), or "invalid".</summary>
    private static string StrategyOf(HttpContext context) => context.Request.Query["strategy"].ToString() switch
    {
        "" or "ranking" => "ranking",
        "rating" or "model" => "rating",
        "neighbors" => "neighbors",
        _ => "invalid",
    };

    public static async Task<Results<Ok<RecommendationsResponse>, CachedJson, ProblemHttpResult, ValidationProblem>> GetRecommendations(
        string userId,
        ModelStore store,
        FreshUsers freshUsers,
        IOptions<RecommendationsOptions> options,
        IOptions<JsonOptions> json,
        CancellationToken cancellationToken,
        int count = 10,
        [AllowedValues("ranking", "rating", "model", "neighbors")] string strategy = "ranking",
        int neighbors = 3,
        string? exclude = null)
    {
        var settings = options.Value;
        var errors = new Dictionary<string, string[]>();
        Validation.CheckId(errors, "userId", userId);
        Validation.CheckRange(errors, "count", count, 1, settings.MaxCount);
        Validation.CheckRange(errors, "neighbors", neighbors, 1, settings.MaxNeighbors);
        if (!Strategies.Contains(strategy))
        {
            errors["strategy"] = [$"strategy must be 'ranking', 'rating' (or its alias 'model') or 'neighbors', not '{strategy}'."];
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

        if (store.Current is not { } serving)
        {
            return Validation.NoModel();
        }

        if (strategy == "ranking" && serving.Ranking is { } ranking)
        {
            // A trained user's list cannot change while this version serves: the bytes written the first time are the answer.
            var user = await freshUsers.ResolveRankingAsync(serving, userId, cancellationToken);
            var trained = excluded.Length == 0 && user is { IsFoldedIn: false, IsFallback: false, Index: >= 0 };
            if (trained && serving.Responses.TryGet(user!.Value.Index, count, out var cached))
            {
                return new CachedJson(cached);
            }

            var ranked = await RankAsync(userId, serving, ranking, user, freshUsers, count, excluded, cancellationToken);
            if (!trained)
            {
                return TypedResults.Ok(ranked);
            }

            var body = JsonSerializer.SerializeToUtf8Bytes(ranked, (JsonTypeInfo<RecommendationsResponse>)json.Value.SerializerOptions.GetTypeInfo(typeof(RecommendationsResponse)));
            serving.Responses.Add(user!.Value.Index, count, body);
            return new CachedJson(body);
        }

        // strategy=rating or neighbors, and strategy=ranking with a version saved before ranking models existed.
        var (query, problem) = await UserQuery.ResolveAsync(userId, store, freshUsers, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var model = query.Model;
        var excludedIndices = excluded.Select(model.Items.IndexOf).Where(i => i >= 0).ToHashSet();
        if (strategy != "neighbors")
        {
            var top = excludedIndices.Count == 0
                ? query.Serving.Recommendations.Top(model, query.User, count)
                : model.Recommend(query.User, count, excludedIndices);
            return TypedResults.Ok(new RecommendationsResponse
            {
                UserId = userId,
                ModelVersion = model.Version,
                Strategy = strategy == "ranking" ? "rating" : strategy,
                RankedBy = AlgorithmName(model),
                Fallback = query.User.IsFallback ? "unknown-user" : null,
                Items = top.Select(s => new RecommendedItem { ItemId = model.Items.GetId(s.ItemIndex), Score = s.Score, PredictedRating = s.PredictedRating }).ToList(),
                Neighbors = null,
            });
        }

        var result = model.RecommendFromNeighbors(query.User, neighbors, count, excludedIndices, freshUsers.DeletedIndices(model));
        return TypedResults.Ok(new RecommendationsResponse
        {
            UserId = userId,
            ModelVersion = model.Version,
            Strategy = strategy,
            RankedBy = AlgorithmName(model),
            Fallback = query.User.IsFallback ? "unknown-user" : null,
            Items = result.Items.Select(s => new RecommendedItem { ItemId = model.Items.GetId(s.ItemIndex), Score = s.Score, PredictedRating = s.PredictedRating }).ToList(),
            Neighbors = result.Neighbors.Select(n => new SimilarUser { UserId = model.Users.GetId(n.Index), Similarity = n.Similarity }).ToList(),
        });
    }

    /// <summary>
    /// The ranking model's list for <paramref name="user"/> (as the ranking model sees <paramref name="userId"/>), each
    /// item with the user's predicted rating from the rating model. A user the store does not have (null), or one with
    /// no usable rating, gets the most popular items, flagged "popularity".
    /// </summary>
    private static async Task<RecommendationsResponse> RankAsync(
        string userId, ServingModel serving, RankingModel ranking, RankingUser? user, FreshUsers freshUsers, int count, string[] excluded, CancellationToken cancellationToken)
    {
        var excludedIndices = excluded.Length == 0 ? null : excluded.Select(ranking.Items.IndexOf).Where(i => i >= 0).ToHashSet();
        IReadOnlyList<RankedItem> top = user switch
        {
            null => ranking.Popular(count, excludedIndices),
            { } known when excludedIndices is not { Count: > 0 } => serving.Rankings.Top(ranking, known, count),
            { } known => ranking.Recommend(known, count, excludedIndices),
        };
        var model = serving.Model;
        var vector = user is null ? null : await freshUsers.ResolveAsync(serving, userId, cancellationToken);
        return new RecommendationsResponse
        {
            UserId = userId,
            ModelVersion = model.Version,
            Strategy = "ranking",
            RankedBy = AlgorithmName(ranking.Algorithm),
            Fallback = user is null || user.Value.IsFallback ? "popularity" : null,
            Items = Items(top, ranking, model, vector),
            Neighbors = null,
        };
    }

    /// <summary>The ranked items with the user's predicted rating of each from the rating model (μ + b_i for a user it does not know).</summary>
    private static RecommendedItem[] Items(IReadOnlyList<RankedItem> top, RankingModel ranking, FactorModel model, UserVector? vector)
    {
        var items = new RecommendedItem[top.Count];
        for (var n = 0; n < items.Length; n++)
        {
            var itemId = ranking.Items.GetId(top[n].ItemIndex);
            var item = model.Items.IndexOf(itemId);
            var predicted = vector is { } v ? model.Predict(v, item).Value : model.PredictForUnknownUser(item).Value;
            items[n] = new RecommendedItem { ItemId = itemId, Score = top[n].Score, PredictedRating = predicted };
        }

        return items;
    }

    /// <summary>The wire name of a ranking algorithm.</summary>
    public static string AlgorithmName(RankingAlgorithm algorithm) => algorithm switch
    {
        RankingAlgorithm.Ease => "ease",
        RankingAlgorithm.ImplicitAls => "implicit-als",
        _ => "popularity",
    };

    private static string AlgorithmName(FactorModel model) => model.Parameters.Algorithm switch
    {
        Core.Training.Algorithm.BiasedSgd => "biased-sgd",
        Core.Training.Algorithm.Als => "als",
        Core.Training.Algorithm.Bayesian => "bayesian",
        Core.Training.Algorithm.SvdPlusPlus => "svdpp",
        Core.Training.Algorithm.Blend => "blend",
        _ => "notebook",
    };
}
