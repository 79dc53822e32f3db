namespace Recommender.Core.Model;

/// <summary>
/// A user as the model sees them: factor row p_u (padded), bias b_u and sorted rated item indices. Either a
/// trained user's row in a <see cref="FactorModel"/> (<see cref="Index"/> ≥ 0) or a fold-in result for a new or
/// changed user (<see cref="Index"/> is the user's index if the model knows them, else -1).
/// </summary>
public readonly struct UserVector
{
    internal UserVector(int index, ReadOnlyMemory<float> factors, float bias, ReadOnlyMemory<int> ratedItems, bool isFallback, bool isFoldedIn = false)
    {
        Index = index;
        Factors = factors;
        Bias = bias;
        RatedItems = ratedItems;
        IsFallback = isFallback;
        IsFoldedIn = isFoldedIn;
    }

    /// <summary>The model's index of this user, or -1 for a user the model has never seen.</summary>
    public int Index { get; }

    /// <summary>The padded factor row p_u.</summary>
    public ReadOnlyMemory<float> Factors { get; }

    /// <summary>The user bias b_u (0 for models without biases).</summary>
    public float Bias { get; }

    /// <summary>Item indices the user has rated, ascending; excluded from recommendations.</summary>
    public ReadOnlyMemory<int> RatedItems { get; }

    /// <summary>True when the vector carries no information (no training or fold-in ratings): predictions use the fallback.</summary>
    public bool IsFallback { get; }

    /// <summary>True for a fold-in result; false for a trained user's row of the model.</summary>
    public bool IsFoldedIn { get; }

    /// <summary>True when <paramref name="itemIndex"/> is among <see cref="RatedItems"/>.</summary>
    public bool HasRated(int itemIndex) => RatedItems.Span.BinarySearch(itemIndex) >= 0;
}
