using System.Buffers;
using Recommender.Core.Evaluation;

namespace Recommender.Core.Model;

public sealed partial class FactorModel
{
    /// <summary>
    /// Top-<paramref name="count"/> items for <paramref name="user"/> by unclipped score, excluding the items the user
    /// rated and <paramref name="exclude"/>. A fallback user is ranked by μ + b_i (item popularity-adjusted mean);
    /// items without training ratings are never recommended.
    /// </summary>
    public IReadOnlyList<ScoredItem> Recommend(in UserVector user, int count, IReadOnlySet<int>? exclude = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var scores = ArrayPool<float>.Shared.Rent(Items.Count);
        try
        {
            var row = scores.AsSpan(0, Items.Count);
            if (user.IsFallback)
            {
                for (var i = 0; i < row.Length; i++)
                {
                    row[i] = GlobalMean + (HasBiases ? _weights.ItemBias[i] : 0f);
                }
            }
            else
            {
                Scores(user, row);
            }

            for (var i = 0; i < row.Length; i++)
            {
                if (_itemCounts[i] == 0)
                {
                    row[i] = float.NaN;
                }
            }

            var top = TopN.Select(row, count, user.RatedItems.Span, exclude);
            var result = new ScoredItem[top.Length];
            for (var n = 0; n < top.Length; n++)
            {
                result[n] = new ScoredItem(top[n].Index, top[n].Score, Clip(top[n].Score));
            }

            return result;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scores);
        }
    }

    IReadOnlyList<int> ITopNRecommender.TopItems(int userIndex, int count) =>
        Recommend(User(userIndex), count).Select(item => item.ItemIndex).ToArray();

    /// <summary>
    /// The notebook's neighbour-weighted recommendation: the <paramref name="neighbors"/> users most similar to
    /// <paramref name="user"/> by cosine over predicted rows; each item's score is Σ similarity × the neighbour's
    /// unclipped predicted score; the user's rated items and <paramref name="exclude"/> are removed; best first.
    /// <c>PredictedRating</c> of each result is the user's own clipped prediction for the item. Users in
    /// <paramref name="excludedUsers"/> (deleted since the model was trained, say) are never neighbours.
    /// </summary>
    public NeighborRecommendation RecommendFromNeighbors(
        in UserVector user, int neighbors, int count, IReadOnlySet<int>? exclude = null, IReadOnlySet<int>? excludedUsers = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(neighbors);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var similar = SimilarUsers(user, neighbors, SimilarityBasis.PredictedRatings, excludedUsers);
        var self = user;
        var ranked = NeighborRecommender.Aggregate(
            similar,
            (neighbor, destination) => Scores(User(neighbor), destination),
            Items.Count,
            user.RatedItems.Span,
            exclude,
            count);
        var items = new ScoredItem[ranked.Length];
        for (var n = 0; n < ranked.Length; n++)
        {
            items[n] = new ScoredItem(ranked[n].Index, ranked[n].Score, Predict(self, ranked[n].Index).Value);
        }

        return new NeighborRecommendation(similar, items);
    }
}
