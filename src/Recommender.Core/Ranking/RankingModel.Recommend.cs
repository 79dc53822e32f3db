using System.Buffers;
using Recommender.Core.Evaluation;
using Recommender.Core.Model;
using Recommender.Core.Numerics;

namespace Recommender.Core.Ranking;

public sealed partial class RankingModel
{
    /// <summary>Trained user <paramref name="userIndex"/>: their rated items, interactions and (implicit ALS) factor row.</summary>
    public RankingUser User(int userIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(userIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(userIndex, Users.Count);
        var start = _rated.Offsets[userIndex];
        var positiveStart = _positive.Offsets[userIndex];
        return new RankingUser(
            userIndex,
            _rated.Columns.AsMemory(start, _rated.Offsets[userIndex + 1] - start),
            _positive.Columns.AsMemory(positiveStart, _positive.Offsets[userIndex + 1] - positiveStart),
            Algorithm == RankingAlgorithm.ImplicitAls ? _userFactors.AsMemory(userIndex * Stride, Stride) : ReadOnlyMemory<float>.Empty,
            isFoldedIn: false);
    }

    /// <summary>
    /// Top-<paramref name="count"/> items for <paramref name="user"/>, best first: never an item the user rated, one in
    /// <paramref name="exclude"/>, or one without training interactions. A fallback user gets <see cref="Popular"/>.
    /// Ties go to the lower item index.
    /// </summary>
    public IReadOnlyList<RankedItem> Recommend(in RankingUser user, int count, IReadOnlySet<int>? exclude = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (user.IsFallback || Algorithm == RankingAlgorithm.Popularity)
        {
            return PopularExcept(count, user.RatedItems.Span, exclude);
        }

        var scores = ArrayPool<float>.Shared.Rent(Items.Count);
        try
        {
            var row = scores.AsSpan(0, Items.Count);
            Scores(user, row);
            var top = TopN.Select(row, count, user.RatedItems.Span, exclude);
            return Array.ConvertAll(top, t => new RankedItem(t.Index, t.Score));
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scores);
        }
    }

    /// <summary>Top-<paramref name="count"/> items for trained user <paramref name="userIndex"/> (see <see cref="Recommend(in RankingUser, int, IReadOnlySet{int})"/>).</summary>
    public IReadOnlyList<RankedItem> Recommend(int userIndex, int count, IReadOnlySet<int>? exclude = null) =>
        Recommend(User(userIndex), count, exclude);

    /// <summary>Top-<paramref name="count"/> items for a user whose current ratings are <paramref name="ratings"/> (see <see cref="FoldIn"/>).</summary>
    public IReadOnlyList<RankedItem> Recommend(IReadOnlyList<(int ItemIndex, float Rating)> ratings, int count, IReadOnlySet<int>? exclude = null) =>
        Recommend(FoldIn(ratings), count, exclude);

    /// <summary>
    /// The <paramref name="count"/> items with the most training interactions, minus <paramref name="exclude"/>: the
    /// answer for a user with no ratings. The score is the interaction count.
    /// </summary>
    public IReadOnlyList<RankedItem> Popular(int count, IReadOnlySet<int>? exclude = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return PopularExcept(count, [], exclude);
    }

    IReadOnlyList<int> ITopNRecommender.TopItems(int userIndex, int count) => Recommend(userIndex, count).Select(r => r.ItemIndex).ToArray();

    /// <summary>Every item's score for <paramref name="user"/>; NaN for items without training interactions.</summary>
    internal void Scores(in RankingUser user, Span<float> row)
    {
        if (Algorithm == RankingAlgorithm.ImplicitAls)
        {
            var p = user.Factors.Span;
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = _itemCounts[i] > 0 ? VectorMath.Dot(p, _itemFactors.AsSpan(i * Stride, Stride)) : float.NaN;
            }

            return;
        }

        // EASE: x_u·B is the sum of the rows of B of the user's interactions, accumulated over the active items.
        var n = _activeItems.Length;
        var buffer = ArrayPool<float>.Shared.Rent(n);
        try
        {
            var sum = buffer.AsSpan(0, n);
            sum.Clear();
            using (_weights.Pin())
            {
                var weights = _weights.Span;
                foreach (var item in user.PositiveItems.Span)
                {
                    VectorMath.AddScaled(1f, weights.Slice(_slot[item] * n, n), sum);
                }
            }

            for (var i = 0; i < row.Length; i++)
            {
                row[i] = _slot[i] >= 0 ? sum[_slot[i]] : float.NaN;
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    private RankedItem[] PopularExcept(int count, ReadOnlySpan<int> sortedExcluded, IReadOnlySet<int>? exclude)
    {
        var result = new List<RankedItem>(Math.Min(count, _popular.Length));
        foreach (var item in _popular)
        {
            if (result.Count == count)
            {
                break;
            }

            if (sortedExcluded.BinarySearch(item) < 0 && (exclude is null || !exclude.Contains(item)))
            {
                result.Add(new RankedItem(item, _itemCounts[item]));
            }
        }

        return [.. result];
    }
}
