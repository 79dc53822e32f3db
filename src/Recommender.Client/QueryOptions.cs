namespace Recommender.Client;

/// <summary>How <see cref="RecommenderClient.GetRecommendationsAsync"/> ranks items.</summary>
public enum RecommendationStrategy
{
    /// <summary>By the ranking model (EASE or implicit ALS); a user without ratings gets the most popular items.</summary>
    Ranking,

    /// <summary>By the rating model's predicted score.</summary>
    Rating,

    /// <summary>By the similarity-weighted predicted rows of the most similar users (the notebook's method).</summary>
    Neighbors,
}

/// <summary>What <see cref="RecommenderClient.GetSimilarUsersAsync"/> compares.</summary>
public enum SimilarityBasis
{
    /// <summary>The cosine of the users' predicted-score rows (the notebook's measure).</summary>
    Predicted,

    /// <summary>The cosine of the users' factor vectors.</summary>
    Factors,
}

/// <summary>The layout of a rating file sent to <see cref="RecommenderClient.ImportRatingsAsync"/>.</summary>
public enum RatingFileFormat
{
    /// <summary>Detected from the first lines.</summary>
    Auto,

    /// <summary>Comma-separated <c>user,item,rating[,timestamp]</c>, optional header (MovieLens <c>ratings.csv</c>).</summary>
    Csv,

    /// <summary>Tab-separated (MovieLens 100K <c>u.data</c>).</summary>
    Tab,

    /// <summary><c>::</c>-separated (MovieLens 1M <c>ratings.dat</c>).</summary>
    Dat,
}

/// <summary>The answer to a write that creates or replaces: the stored value and whether it was new.</summary>
/// <typeparam name="T">The stored value's contract type.</typeparam>
/// <param name="Value">What the service stored.</param>
/// <param name="Created">True when the write created it (201), false when it replaced an earlier value (200).</param>
public sealed record Upserted<T>(T Value, bool Created);
