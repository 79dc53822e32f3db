using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Recommender.Api.Contracts;
using Recommender.Api.Options;
using Recommender.Api.Training;
using Recommender.Core.Model;
using Recommender.Core.Ranking;
using Recommender.Data;

namespace Recommender.Api.Endpoints;

/// <summary>Similar users, similar items and the user × user similarity matrix.</summary>
public static class SimilarityEndpoints
{
    public static IEndpointRouteBuilder MapSimilarityEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/users/{userId}/similar-users", GetSimilarUsers).WithTags("Similarity").RequireAuthorization(ApiKeyPolicies.Api).WithName(nameof(GetSimilarUsers))
            .WithSummary("The users most similar to a user: cosine of predicted-score rows (basis=predicted, as the notebook) or of factors.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        app.MapGet("/api/items/{itemId}/similar-items", GetSimilarItems).WithTags("Similarity").RequireAuthorization(ApiKeyPolicies.Api).WithName(nameof(GetSimilarItems))
            .WithSummary("The items most similar to an item: by the ranking model where it knows the item (EASE's item-item weights, or the cosine of implicit ALS's item factors), else by the cosine of the rating model's item factors.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        app.MapGet("/api/similarity/users", GetUserSimilarityMatrix).WithTags("Similarity").RequireAuthorization(ApiKeyPolicies.Api).WithName(nameof(GetUserSimilarityMatrix))
            .WithSummary("The cosine user × user similarity matrix over predicted-score rows, paged by rows.")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    public static async Task<Results<Ok<SimilarUsersResponse>, ProblemHttpResult, ValidationProblem>> GetSimilarUsers(
        string userId,
        ModelStore store,
        FreshUsers freshUsers,
        IOptions<RecommendationsOptions> options,
        CancellationToken cancellationToken,
        int count = 10,
        [AllowedValues("predicted", "factors")] string basis = "predicted")
    {
        var errors = new Dictionary<string, string[]>();
        Validation.CheckId(errors, "userId", userId);
        Validation.CheckRange(errors, "count", count, 1, options.Value.MaxCount);
        var similarityBasis = ParseBasis(basis, errors);
        if (errors.Count > 0)
        {
            return Validation.Invalid(errors);
        }

        var (query, problem) = await UserQuery.ResolveAsync(userId, store, freshUsers, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var similar = query.Model.SimilarUsers(query.User, count, similarityBasis, freshUsers.DeletedIndices(query.Model));
        return TypedResults.Ok(new SimilarUsersResponse
        {
            UserId = userId,
            ModelVersion = query.Model.Version,
            Basis = basis,
            Users = similar.Select(n => new SimilarUser { UserId = query.Model.Users.GetId(n.Index), Similarity = n.Similarity }).ToList(),
        });
    }

    public static async Task<Results<Ok<SimilarItemsResponse>, ProblemHttpResult, ValidationProblem>> GetSimilarItems(
        string itemId,
        ModelStore store,
        RecommenderDbContext db,
        IOptions<RecommendationsOptions> options,
        CancellationToken cancellationToken,
        int count = 10)
    {
        var errors = new Dictionary<string, string[]>();
        Validation.CheckId(errors, "itemId", itemId);
        Validation.CheckRange(errors, "count", count, 1, options.Value.MaxCount);
        if (errors.Count > 0)
        {
            return Validation.Invalid(errors);
        }

        if (store.Current is not { } serving)
        {
            return Validation.NoModel();
        }

        var model = serving.Model;
        if (serving.Ranking is { Algorithm: not RankingAlgorithm.Popularity } ranking && ranking.Items.IndexOf(itemId) is var rankingIndex and >= 0
            && ranking.IsItemTrained(rankingIndex))
        {
            return TypedResults.Ok(new SimilarItemsResponse
            {
                ItemId = itemId,
                ModelVersion = model.Version,
                Basis = RecommendationEndpoints.AlgorithmName(ranking.Algorithm),
                Items = ranking.SimilarItems(rankingIndex, count)
                    .Select(n => new SimilarItem { ItemId = ranking.Items.GetId(n.Index), Similarity = n.Similarity }).ToList(),
            });
        }

        var index = model.Items.IndexOf(itemId);
        if (index < 0 && !await db.Items.AnyAsync(i => i.Id == itemId, cancellationToken))
        {
            return Validation.UnknownItem(itemId);
        }

        // An item the models have not trained on has no weights yet: no similar items until the next retrain.
        var similar = index >= 0 && model.IsItemTrained(index) ? model.SimilarItems(index, count) : [];
        return TypedResults.Ok(new SimilarItemsResponse
        {
            ItemId = itemId,
            ModelVersion = model.Version,
            Basis = "factors",
            Items = similar.Select(n => new SimilarItem { ItemId = model.Items.GetId(n.Index), Similarity = n.Similarity }).ToList(),
        });
    }

    public static async Task<Results<Ok<SimilarityMatrixResponse>, ProblemHttpResult, ValidationProblem>> GetUserSimilarityMatrix(
        ModelStore store,
        FreshUsers freshUsers,
        IOptions<RecommendationsOptions> options,
        CancellationToken cancellationToken,
        int page = 1,
        int pageSize = 20)
    {
        var errors = Paging.Check(page, pageSize, options.Value);
        if (errors.Count > 0)
        {
            return Validation.Invalid(errors);
        }

        if (store.Current is not { } serving)
        {
            return Validation.NoModel();
        }

        var model = serving.Model;
        if (Paging.CheckCells(pageSize, model.Users.Count, options.Value, "users") is { } tooLarge)
        {
            return Validation.Invalid(tooLarge);
        }

        var ids = new List<string>(model.Users.Count);
        var vectors = new List<UserVector>(model.Users.Count);
        foreach (var id in model.Users.Ids)
        {
            if (await freshUsers.ResolveAsync(serving, id, cancellationToken) is { } vector)
            {
                ids.Add(id);
                vectors.Add(vector);
            }
        }

        var first = Math.Min((page - 1) * pageSize, ids.Count);
        var count = Math.Min(pageSize, ids.Count - first);
        var similarities = model.UserSimilarities(vectors.GetRange(first, count), vectors, cancellationToken);
        var rows = new List<SimilarityRow>(count);
        for (var r = 0; r < count; r++)
        {
            rows.Add(new SimilarityRow { UserId = ids[first + r], Similarities = similarities[r] });
        }

        return TypedResults.Ok(new SimilarityMatrixResponse
        {
            ModelVersion = model.Version,
            PageNumber = page,
            PageSize = pageSize,
            TotalUsers = ids.Count,
            Users = ids,
            Rows = rows,
        });
    }

    private static SimilarityBasis ParseBasis(string basis, Dictionary<string, string[]> errors)
    {
        switch (basis)
        {
            case "predicted":
                return SimilarityBasis.PredictedRatings;
            case "factors":
                return SimilarityBasis.Factors;
            default:
                errors["basis"] = [$"basis must be 'predicted' or 'factors', not '{basis}'."];
                return default;
        }
    }
}
