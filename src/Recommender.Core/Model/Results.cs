namespace Recommender.Core.Model;

/// <summary>Why a prediction fell back to the global mean plus whatever bias is known.</summary>
[Flags]
public enum PredictionFallback
{
    /// <summary>Both user and item were trained: the full prediction rule applies.</summary>
    None = 0,

    /// <summary>The user is unknown to the model (or has no training rating): μ + b_i is used.</summary>
    UnknownUser = 1,

    /// <summary>The item is unknown to the model (or has no training rating): μ + b_u is used.</summary>
    UnknownItem = 2,
}

/// <summary>A predicted rating, clipped to the rating scale, with the fallback that produced it.</summary>
public readonly record struct Prediction(float Value, PredictionFallback Fallback)
{
    /// <summary>True when any fallback applied.</summary>
    public bool IsFallback => Fallback != PredictionFallback.None;
}

/// <summary>A recommended item: the ranking score (unclipped model score) and the clipped predicted rating.</summary>
public readonly record struct ScoredItem(int ItemIndex, float Score, float PredictedRating);

/// <summary>A neighbour (user or item) and its cosine similarity.</summary>
public readonly record struct Neighbor(int Index, float Similarity);

/// <summary>What cosine similarity between users is computed over.</summary>
public enum SimilarityBasis
{
    /// <summary>The users' full rows of unclipped predicted scores over all items, as the notebook computes it.</summary>
    PredictedRatings = 0,

    /// <summary>The users' latent factor vectors p_u.</summary>
    Factors = 1,
}

/// <summary>The notebook's neighbour-weighted recommendation: the neighbours used and the ranked items.</summary>
public sealed record NeighborRecommendation(IReadOnlyList<Neighbor> Neighbors, IReadOnlyList<ScoredItem> Items);
