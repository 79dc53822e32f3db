using Recommender.Api.Contracts;

namespace Recommender.Client;

/// <summary>Predictions, similarity and recommendations.</summary>
public sealed partial class RecommenderClient
{
    /// <summary><c>GET /api/users/{userId}/predictions/{itemId}</c>: the user's predicted rating of one item.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="itemId">The item.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The prediction, with the fallback used for a user or item the model does not know.</returns>
    /// <exception cref="RecommenderApiException">404 for an unknown user or item, 503 while no model exists.</exception>
    public Task<PredictionResponse> GetPredictionAsync(string userId, string itemId, CancellationToken cancellationToken = default) =>
        GetAsync<PredictionResponse>($"api/users/{Segment(userId, nameof(userId))}/predictions/{Segment(itemId, nameof(itemId))}", cancellationToken);

    /// <summary><c>GET /api/users/{userId}/predictions</c>: the user's whole predicted row.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>Every item's predicted rating; rated items carry the actual rating.</returns>
    /// <exception cref="RecommenderApiException">404 for an unknown user, 503 while no model exists.</exception>
    public Task<UserPredictionsResponse> GetUserPredictionsAsync(string userId, CancellationToken cancellationToken = default) =>
        GetAsync<UserPredictionsResponse>($"api/users/{Segment(userId, nameof(userId))}/predictions", cancellationToken);

    /// <summary><c>GET /api/predictions</c>: the predicted users × items matrix, paged by users and, optionally, by items.</summary>
    /// <param name="page">The page of users, from 1; the service's default (1) when null.</param>
    /// <param name="pageSize">Users per page; the service's default (20) when null.</param>
    /// <param name="itemPage">The page of items, from 1; the service's default (1) when null.</param>
    /// <param name="itemPageSize">Items per page; every item when null.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The page of the matrix.</returns>
    /// <exception cref="RecommenderApiException">400 for a page over the cell limit, 503 while no model exists.</exception>
    public Task<PredictionMatrixResponse> GetPredictionMatrixAsync(
        int? page = null, int? pageSize = null, int? itemPage = null, int? itemPageSize = null, CancellationToken cancellationToken = default) =>
        GetAsync<PredictionMatrixResponse>(
            WithQuery("api/predictions", ("page", page), ("pageSize", pageSize), ("itemPage", itemPage), ("itemPageSize", itemPageSize)), cancellationToken);

    /// <summary><c>GET /api/users/{userId}/similar-users</c>: the users most similar to one user.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="count">How many; the service's default (10) when null.</param>
    /// <param name="basis">What is compared; the service's default (<see cref="SimilarityBasis.Predicted"/>) when null.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The similar users, most similar first.</returns>
    /// <exception cref="RecommenderApiException">404 for an unknown user, 503 while no model exists.</exception>
    public Task<SimilarUsersResponse> GetSimilarUsersAsync(
        string userId, int? count = null, SimilarityBasis? basis = null, CancellationToken cancellationToken = default) =>
        GetAsync<SimilarUsersResponse>(
            WithQuery($"api/users/{Segment(userId, nameof(userId))}/similar-users", ("count", count), ("basis", basis?.ToString().ToLowerInvariant())),
            cancellationToken);

    /// <summary><c>GET /api/items/{itemId}/similar-items</c>: the items most similar to one item.</summary>
    /// <param name="itemId">The item.</param>
    /// <param name="count">How many; the service's default (10) when null.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The similar items, most similar first, and what "similar" meant.</returns>
    /// <exception cref="RecommenderApiException">404 for an unknown item, 503 while no model exists.</exception>
    public Task<SimilarItemsResponse> GetSimilarItemsAsync(string itemId, int? count = null, CancellationToken cancellationToken = default) =>
        GetAsync<SimilarItemsResponse>(WithQuery($"api/items/{Segment(itemId, nameof(itemId))}/similar-items", ("count", count)), cancellationToken);

    /// <summary><c>GET /api/similarity/users</c>: the cosine user × user similarity matrix, paged by rows.</summary>
    /// <param name="page">The page of rows, from 1; the service's default (1) when null.</param>
    /// <param name="pageSize">Rows per page; the service's default (20) when null.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The page of the matrix.</returns>
    /// <exception cref="RecommenderApiException">400 for a page over the cell limit, 503 while no model exists.</exception>
    public Task<SimilarityMatrixResponse> GetUserSimilarityMatrixAsync(int? page = null, int? pageSize = null, CancellationToken cancellationToken = default) =>
        GetAsync<SimilarityMatrixResponse>(WithQuery("api/similarity/users", ("page", page), ("pageSize", pageSize)), cancellationToken);

    /// <summary><c>GET /api/users/{userId}/recommendations</c>: ranked items the user has not rated.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="count">How many; the service's default (10) when null.</param>
    /// <param name="strategy">How to rank; the service's default (<see cref="RecommendationStrategy.Ranking"/>) when null.</param>
    /// <param name="neighbors">For <see cref="RecommendationStrategy.Neighbors"/>: how many similar users; the service's default (3) when null.</param>
    /// <param name="exclude">Items not to recommend (at most 1000), or null. An id with a comma cannot be excluded.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The recommendations, best first, and what ranked them.</returns>
    /// <exception cref="ArgumentException">An excluded id holds a comma: the service separates ids by commas.</exception>
    /// <exception cref="RecommenderApiException">400 for an invalid count, 404 for an unknown user, 503 while no model exists.</exception>
    public Task<RecommendationsResponse> GetRecommendationsAsync(
        string userId,
        int? count = null,
        RecommendationStrategy? strategy = null,
        int? neighbors = null,
        IEnumerable<string>? exclude = null,
        CancellationToken cancellationToken = default)
    {
        var excluded = exclude?.ToList();
        if (excluded?.FirstOrDefault(id => id.Contains(',', StringComparison.Ordinal)) is { } comma)
        {
            throw new ArgumentException($"The item id '{comma}' holds a comma, which separates the ids of exclude.", nameof(exclude));
        }

        var uri = WithQuery(
            $"api/users/{Segment(userId, nameof(userId))}/recommendations",
            ("count", count),
            ("strategy", strategy?.ToString().ToLowerInvariant()),
            ("neighbors", neighbors),
            ("exclude", excluded is { Count: > 0 } ? string.Join(",", excluded) : null));
        return GetAsync<RecommendationsResponse>(uri, cancellationToken);
    }
}
