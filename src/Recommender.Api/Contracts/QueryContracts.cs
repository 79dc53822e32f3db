using System.ComponentModel.DataAnnotations;

namespace Recommender.Api.Contracts;

/// <summary>One predicted rating.</summary>
public sealed record PredictionResponse
{
    /// <example>Hermione</example>
    public required string UserId { get; init; }

    /// <example>Back in Black</example>
    public required string ItemId { get; init; }

    /// <summary>The prediction clipped to the rating scale.</summary>
    /// <example>3.42</example>
    public required float PredictedRating { get; init; }

    /// <example>3</example>
    public required long ModelVersion { get; init; }

    /// <summary>Null when the full model answered; otherwise "unknown-user", "unknown-item" or "unknown-user-and-item" (μ plus the known bias).</summary>
    /// <example>null</example>
    [AllowedValues("unknown-user", "unknown-item", "unknown-user-and-item")]
    public required string? Fallback { get; init; }
}

/// <summary>A user's predicted rating of one item in their row.</summary>
public sealed record PredictedItem
{
    /// <example>Back in Black</example>
    public required string ItemId { get; init; }

    /// <example>3.42</example>
    public required float PredictedRating { get; init; }

    /// <summary>The unclipped model score.</summary>
    /// <example>3.42</example>
    public required float Score { get; init; }

    /// <summary>The user's actual rating, when they rated the item.</summary>
    /// <example>null</example>
    public required double? ActualRating { get; init; }
}

/// <summary>A user's whole predicted row.</summary>
public sealed record UserPredictionsResponse
{
    /// <example>Hermione</example>
    public required string UserId { get; init; }

    /// <example>3</example>
    public required long ModelVersion { get; init; }

    /// <summary>"unknown-user" when the user carries no information yet and every prediction is μ + b_i; otherwise null.</summary>
    /// <example>null</example>
    [AllowedValues("unknown-user")]
    public required string? Fallback { get; init; }

    /// <summary>Every item of the model with the user's predicted rating.</summary>
    public required IReadOnlyList<PredictedItem> Items { get; init; }
}

/// <summary>A user's row of the predicted matrix.</summary>
public sealed record PredictionRow
{
    /// <example>Hermione</example>
    public required string UserId { get; init; }

    /// <summary>Clipped predicted ratings, in the order of the response's <c>items</c>.</summary>
    public required IReadOnlyList<float> Predicted { get; init; }

    /// <summary>Unclipped scores (what similarity is computed over), same order.</summary>
    public required IReadOnlyList<float> Scores { get; init; }

    /// <summary>Actual ratings, null where the user has not rated the item.</summary>
    public required IReadOnlyList<double?> Actual { get; init; }
}

/// <summary>The predicted users × items matrix, paged by users — the notebook's table.</summary>
public sealed record PredictionMatrixResponse
{
    /// <example>3</example>
    public required long ModelVersion { get; init; }

    /// <example>1</example>
    public required int PageNumber { get; init; }

    /// <example>20</example>
    public required int PageSize { get; init; }

    /// <example>4</example>
    public required int TotalUsers { get; init; }

    /// <summary>The page of items (columns) sent, from 1.</summary>
    /// <example>1</example>
    public required int ItemPageNumber { get; init; }

    /// <summary>Items per page of columns (all items unless <c>itemPageSize</c> was given).</summary>
    /// <example>12</example>
    public required int ItemPageSize { get; init; }

    /// <example>12</example>
    public required int TotalItems { get; init; }

    /// <summary>Column order of every row: this page of items.</summary>
    public required IReadOnlyList<string> Items { get; init; }

    /// <summary>One row per user of this page.</summary>
    public required IReadOnlyList<PredictionRow> Rows { get; init; }
}

/// <summary>A similar user.</summary>
public sealed record SimilarUser
{
    /// <example>Spock</example>
    public required string UserId { get; init; }

    /// <example>0.926</example>
    public required float Similarity { get; init; }
}

/// <summary>The users most similar to one user.</summary>
public sealed record SimilarUsersResponse
{
    /// <example>Hermione</example>
    public required string UserId { get; init; }

    /// <example>3</example>
    public required long ModelVersion { get; init; }

    /// <summary>"predicted" (cosine of predicted-score rows, as the notebook) or "factors".</summary>
    /// <example>predicted</example>
    [AllowedValues("predicted", "factors")]
    public required string Basis { get; init; }

    /// <summary>The most similar users, most similar first.</summary>
    public required IReadOnlyList<SimilarUser> Users { get; init; }
}

/// <summary>A row of the user × user similarity matrix.</summary>
public sealed record SimilarityRow
{
    /// <example>Hermione</example>
    public required string UserId { get; init; }

    /// <summary>Cosine similarity with each user of the response's <c>users</c>.</summary>
    public required IReadOnlyList<float> Similarities { get; init; }
}

/// <summary>The cosine user × user similarity over predicted-score rows, paged by rows.</summary>
public sealed record SimilarityMatrixResponse
{
    /// <example>3</example>
    public required long ModelVersion { get; init; }

    /// <example>1</example>
    public required int PageNumber { get; init; }

    /// <example>20</example>
    public required int PageSize { get; init; }

    /// <example>4</example>
    public required int TotalUsers { get; init; }

    /// <summary>Column order of every row.</summary>
    public required IReadOnlyList<string> Users { get; init; }

    /// <summary>One row per user of this page.</summary>
    public required IReadOnlyList<SimilarityRow> Rows { get; init; }
}

/// <summary>A similar item.</summary>
public sealed record SimilarItem
{
    /// <example>Survivor</example>
    public required string ItemId { get; init; }

    /// <example>0.81</example>
    public required float Similarity { get; init; }
}

/// <summary>The items most similar to one item (cosine of item factors).</summary>
public sealed record SimilarItemsResponse
{
    /// <example>Back in Black</example>
    public required string ItemId { get; init; }

    /// <example>3</example>
    public required long ModelVersion { get; init; }

    /// <summary>
    /// What "similar" means here: "ease" (the item's column of EASE's item-item weights), "implicit-als" (cosine of
    /// the ranking model's item factors) or "factors" (cosine of the rating model's item factors).
    /// </summary>
    /// <example>ease</example>
    [AllowedValues("ease", "implicit-als", "factors")]
    public required string Basis { get; init; }

    /// <summary>The most similar items, most similar first.</summary>
    public required IReadOnlyList<SimilarItem> Items { get; init; }
}

/// <summary>A recommended item.</summary>
public sealed record RecommendedItem
{
    /// <example>Back in Black</example>
    public required string ItemId { get; init; }

    /// <summary>
    /// The ranking score: the ranking model's score (strategy=ranking; for popularity, the item's interaction count),
    /// the rating model's unclipped score (strategy=rating), or the similarity-weighted sum (strategy=neighbors).
    /// </summary>
    /// <example>9.902</example>
    public required float Score { get; init; }

    /// <summary>The user's own predicted rating of the item.</summary>
    /// <example>3.42</example>
    public required float PredictedRating { get; init; }
}

/// <summary>Ranked recommendations without the user's rated items.</summary>
public sealed record RecommendationsResponse
{
    /// <example>Hermione</example>
    public required string UserId { get; init; }

    /// <example>3</example>
    public required long ModelVersion { get; init; }

    /// <summary>
    /// The strategy asked for: "ranking", "rating", its alias "model", or "neighbors" ("rating" when strategy=ranking was
    /// asked of a version saved before ranking models existed).
    /// </summary>
    /// <example>ranking</example>
    [AllowedValues("ranking", "rating", "model", "neighbors")]
    public required string Strategy { get; init; }

    /// <summary>
    /// The model that ranked the list: "ease", "implicit-als" or "popularity" (strategy=ranking), or the rating model's
    /// algorithm, "biased-sgd", "als", "notebook", "bayesian", "svdpp" or "blend" (strategy=rating and neighbors).
    /// </summary>
    /// <example>ease</example>
    [AllowedValues("ease", "implicit-als", "popularity", "biased-sgd", "als", "notebook", "bayesian", "svdpp", "blend")]
    public required string RankedBy { get; init; }

    /// <summary>
    /// Null when the model knows the user. "popularity": the user has no ratings yet (or none the ranking model can
    /// use), so the most popular items are shown. "unknown-user": the rating model ranks them by μ + b_i.
    /// </summary>
    /// <example>null</example>
    [AllowedValues("popularity", "unknown-user")]
    public required string? Fallback { get; init; }

    /// <summary>The recommended items, best first.</summary>
    public required IReadOnlyList<RecommendedItem> Items { get; init; }

    /// <summary>For strategy=neighbors: the most similar users whose predictions were summed; null for the other strategies.</summary>
    public required IReadOnlyList<SimilarUser>? Neighbors { get; init; }
}
