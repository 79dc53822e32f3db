using Recommender.Core.Numerics;

namespace Recommender.Core.Model;

/// <summary>
/// The seed notebook's user-based recommendation over a dense predicted matrix: cosine similarity between users'
/// predicted rows, the <c>k</c> most similar other users, the similarity-weighted sum of their predicted rows,
/// the user's rated items removed, sorted descending.
/// </summary>
/// <remarks>
/// The notebook labels its similarity matrix with a different user order than its rows, so its printed scores
/// belong to another user. Here rows and labels can't disagree: users are addressed by row index only.
/// </remarks>
public static class NeighborRecommender
{
    /// <summary>Cosine similarity of every pair of rows of a dense matrix; the diagonal is 1 (0 for a zero row).</summary>
    public static float[,] CosineSimilarity(IReadOnlyList<float[]> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var n = rows.Count;
        var norms = new float[n];
        for (var a = 0; a < n; a++)
        {
            norms[a] = MathF.Sqrt(VectorMath.SquaredNorm(rows[a]));
        }

        var similarity = new float[n, n];
        for (var a = 0; a < n; a++)
        {
            for (var b = a; b < n; b++)
            {
                var value = VectorMath.Cosine(VectorMath.Dot(rows[a], rows[b]), norms[a], norms[b]);
                similarity[a, b] = value;
                similarity[b, a] = value;
            }
        }

        return similarity;
    }

    /// <summary>
    /// Recommends for row <paramref name="user"/> of <paramref name="predicted"/> (users × items), excluding
    /// <paramref name="ratedItems"/> (ascending item indices) — the notebook's <c>recommend_by_user</c>.
    /// </summary>
    public static NeighborRecommendation Recommend(
        IReadOnlyList<float[]> predicted,
        int user,
        ReadOnlySpan<int> ratedItems,
        int neighbors = 3,
        int count = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentOutOfRangeException.ThrowIfNegative(user);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(user, predicted.Count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(neighbors);
        var itemCount = predicted[user].Length;
        var similarity = CosineSimilarity(predicted);
        var row = new float[predicted.Count];
        for (var other = 0; other < row.Length; other++)
        {
            row[other] = similarity[user, other];
        }

        var top = TopN.Select(row, neighbors, [], null, skipIndex: user);
        var chosen = Array.ConvertAll(top, t => new Neighbor(t.Index, t.Score));
        var ranked = Aggregate(chosen, (n, destination) => predicted[n].CopyTo(destination), itemCount, ratedItems, null, count);
        var items = Array.ConvertAll(ranked, r => new ScoredItem(r.Index, r.Score, predicted[user][r.Index]));
        return new NeighborRecommendation(chosen, items);
    }

    internal delegate void RowWriter(int neighbor, Span<float> destination);

    /// <summary>Σ similarity × neighbour row (accumulated in double), excluded items removed, best <paramref name="count"/> first.</summary>
    internal static (int Index, float Score)[] Aggregate(
        IReadOnlyList<Neighbor> neighbors,
        RowWriter writeRow,
        int itemCount,
        ReadOnlySpan<int> ratedItems,
        IReadOnlySet<int>? exclude,
        int count)
    {
        var sum = new double[itemCount];
        var row = new float[itemCount];
        foreach (var neighbor in neighbors)
        {
            writeRow(neighbor.Index, row);
            for (var i = 0; i < itemCount; i++)
            {
                sum[i] += (double)neighbor.Similarity * row[i];
            }
        }

        var scores = Array.ConvertAll(sum, s => (float)s);
        return TopN.Select(scores, Math.Min(count, itemCount), ratedItems, exclude);
    }
}
