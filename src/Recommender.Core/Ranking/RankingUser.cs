namespace Recommender.Core.Ranking;

/// <summary>A recommended item and its ranking score (higher is better; the scale is the model's own).</summary>
public readonly record struct RankedItem(int ItemIndex, float Score);

/// <summary>
/// A user as a <see cref="RankingModel"/> sees them: the rated items (excluded from recommendations), the interactions
/// the model scores from and, for implicit ALS, the factor row. Either a trained user's row (<see cref="IsFoldedIn"/>
/// false) or the fold-in of ratings the caller supplied.
/// </summary>
public readonly struct RankingUser
{
    internal RankingUser(int index, ReadOnlyMemory<int> ratedItems, ReadOnlyMemory<int> positiveItems, ReadOnlyMemory<float> factors, bool isFoldedIn)
    {
        Index = index;
        RatedItems = ratedItems;
        PositiveItems = positiveItems;
        Factors = factors;
        IsFoldedIn = isFoldedIn;
    }

    /// <summary>The model's index of the user, or -1 for a user it has never seen.</summary>
    public int Index { get; }

    /// <summary>Every item the user rated, ascending; never recommended to them.</summary>
    public ReadOnlyMemory<int> RatedItems { get; }

    /// <summary>The user's interactions the model can use (positive ratings of items it trained on), ascending.</summary>
    public ReadOnlyMemory<int> PositiveItems { get; }

    /// <summary>Implicit ALS: the padded factor row p_u; empty for the other models.</summary>
    public ReadOnlyMemory<float> Factors { get; }

    /// <summary>True for a fold-in result; false for a trained user's row.</summary>
    public bool IsFoldedIn { get; }

    /// <summary>True when the model has nothing to score from, so the user is served by popularity (cold start).</summary>
    public bool IsFallback => PositiveItems.IsEmpty;

    /// <summary>True when <paramref name="itemIndex"/> is among <see cref="RatedItems"/>.</summary>
    public bool HasRated(int itemIndex) => RatedItems.Span.BinarySearch(itemIndex) >= 0;
}
