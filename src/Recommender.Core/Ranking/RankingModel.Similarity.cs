using Recommender.Core.Model;
using Recommender.Core.Numerics;

namespace Recommender.Core.Ranking;

public sealed partial class RankingModel
{
    /// <summary>
    /// The <paramref name="count"/> items most similar to <paramref name="itemIndex"/>, most similar first (never the
    /// item itself, never an item without training interactions); empty for an item without interactions and for the
    /// popularity model, which knows no similarity.
    /// </summary>
    /// <remarks>
    /// <para><b>EASE</b>: column i of B, i.e. B_ji = −P_ji / P_ii for every other item j — the weight with which an
    /// interaction with j raises i's score. It is B itself, which the paper presents as the item-item similarity, rather
    /// than a cosine of B's columns: the entries already hold each pair's association with every other item's effect
    /// partialled out (P is the inverse Gram matrix, so −P_ij is proportional to a partial correlation), the ranking over j
    /// is that of −P_ij and hence symmetric in i and j, and it costs O(items) per query with no extra state, where cosines
    /// of columns would cost O(items²) per query or items² more memory.</para>
    /// <para><b>Implicit ALS</b>: cosine of the item factors q_i and q_j.</para>
    /// </remarks>
    public IReadOnlyList<Neighbor> SimilarItems(int itemIndex, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegative(itemIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(itemIndex, Items.Count);
        if (_itemCounts[itemIndex] == 0 || Algorithm == RankingAlgorithm.Popularity)
        {
            return [];
        }

        var similarity = new float[Items.Count];
        if (Algorithm == RankingAlgorithm.Ease)
        {
            var n = _activeItems.Length;
            var column = _slot[itemIndex];
            using var pin = _weights.Pin();
            var weights = _weights.Span;
            for (var j = 0; j < similarity.Length; j++)
            {
                similarity[j] = _slot[j] >= 0 ? weights[_slot[j] * n + column] : float.NaN;
            }
        }
        else
        {
            var norms = _itemNorms.Value;
            var row = _itemFactors.AsSpan(itemIndex * Stride, Stride);
            for (var j = 0; j < similarity.Length; j++)
            {
                similarity[j] = _itemCounts[j] > 0
                    ? VectorMath.Cosine(VectorMath.Dot(row, _itemFactors.AsSpan(j * Stride, Stride)), norms[itemIndex], norms[j])
                    : float.NaN;
            }
        }

        var top = TopN.Select(similarity, count, [], null, skipIndex: itemIndex);
        return Array.ConvertAll(top, t => new Neighbor(t.Index, t.Score));
    }

    private float[] ItemNorms()
    {
        var norms = new float[Items.Count];
        if (Algorithm == RankingAlgorithm.ImplicitAls)
        {
            for (var i = 0; i < norms.Length; i++)
            {
                norms[i] = MathF.Sqrt(VectorMath.SquaredNorm(_itemFactors.AsSpan(i * Stride, Stride)));
            }
        }

        return norms;
    }
}
