using Recommender.Core.Numerics;

namespace Recommender.Core.Model;

public sealed partial class FactorModel
{
    private readonly Lazy<UserGram> _gram;
    private readonly Lazy<float[]> _itemNorms;
    private readonly Lazy<float[]> _userNorms;

    /// <summary>
    /// Cosine similarity between two users. Over <see cref="SimilarityBasis.PredictedRatings"/> it equals the cosine
    /// of their full unclipped predicted rows, computed exactly in O(k²) through the item Gram matrix rather than
    /// over all items.
    /// </summary>
    public float UserSimilarity(in UserVector a, in UserVector b, SimilarityBasis basis = SimilarityBasis.PredictedRatings)
    {
        if (basis == SimilarityBasis.Factors)
        {
            var fa = a.Factors.Span;
            var fb = b.Factors.Span;
            return VectorMath.Cosine(VectorMath.Dot(fa, fb), MathF.Sqrt(VectorMath.SquaredNorm(fa)), MathF.Sqrt(VectorMath.SquaredNorm(fb)));
        }

        var gram = _gram.Value;
        var ga = gram.Project(this, a);
        var dot = gram.Dot(ga, this, b);
        var normA = Math.Sqrt(gram.Dot(ga, this, a));
        var normB = Math.Sqrt(gram.Dot(gram.Project(this, b), this, b));
        return VectorMath.Cosine((float)dot, (float)normA, (float)normB);
    }

    /// <summary>
    /// The cosine over <see cref="SimilarityBasis.PredictedRatings"/> of every pair of a row user and a column user:
    /// result[r][c] = cos(s_row, s_column). Each row is projected through the item Gram matrix once, so a page of R rows
    /// against C columns costs O(R k² + R C k) rather than O(R C k²). Cancellation is observed between rows.
    /// </summary>
    public float[][] UserSimilarities(IReadOnlyList<UserVector> rows, IReadOnlyList<UserVector> columns, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(columns);
        var gram = _gram.Value;
        var columnNorms = new float[columns.Count];
        for (var c = 0; c < columns.Count; c++)
        {
            var column = columns[c];
            columnNorms[c] = column is { IsFoldedIn: false, Index: >= 0 }
                ? gram.Norms[column.Index]
                : (float)Math.Sqrt(Math.Max(0, gram.Dot(gram.Project(this, column), this, column)));
        }

        var result = new float[rows.Count][];
        for (var r = 0; r < rows.Count; r++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var row = rows[r];
            var projected = gram.Project(this, row);
            var norm = (float)Math.Sqrt(Math.Max(0, gram.Dot(projected, this, row)));
            var values = new float[columns.Count];
            for (var c = 0; c < values.Length; c++)
            {
                values[c] = VectorMath.Cosine((float)gram.Dot(projected, this, columns[c]), norm, columnNorms[c]);
            }

            result[r] = values;
        }

        return result;
    }

    /// <summary>
    /// The <paramref name="count"/> trained users most similar to <paramref name="user"/> (never the user itself, nor
    /// any of <paramref name="excludedUsers"/>), most similar first; ties go to the lower index.
    /// </summary>
    public IReadOnlyList<Neighbor> SimilarUsers(
        in UserVector user, int count, SimilarityBasis basis = SimilarityBasis.PredictedRatings, IReadOnlySet<int>? excludedUsers = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var similarity = new float[Users.Count];
        if (basis == SimilarityBasis.Factors)
        {
            var norms = _userNorms.Value;
            var factors = user.Factors.Span;
            var norm = MathF.Sqrt(VectorMath.SquaredNorm(factors));
            for (var v = 0; v < similarity.Length; v++)
            {
                similarity[v] = VectorMath.Cosine(VectorMath.Dot(factors, _weights.UserRow(v)), norm, norms[v]);
            }
        }
        else
        {
            var gram = _gram.Value;
            var projected = gram.Project(this, user);
            var norm = (float)Math.Sqrt(gram.Dot(projected, this, user));
            for (var v = 0; v < similarity.Length; v++)
            {
                similarity[v] = VectorMath.Cosine((float)gram.Dot(projected, this, User(v)), norm, gram.Norms[v]);
            }
        }

        for (var v = 0; v < similarity.Length; v++)
        {
            if (_userCounts[v] == 0)
            {
                similarity[v] = float.NaN;
            }
        }

        foreach (var v in excludedUsers ?? EmptySet)
        {
            if ((uint)v < (uint)similarity.Length)
            {
                similarity[v] = float.NaN;
            }
        }

        var top = TopN.Select(similarity, count, [], null, skipIndex: user.Index);
        return Array.ConvertAll(top, t => new Neighbor(t.Index, t.Score));
    }

    /// <summary>The <paramref name="count"/> trained items most similar to <paramref name="itemIndex"/> by cosine over item factors q_i.</summary>
    public IReadOnlyList<Neighbor> SimilarItems(int itemIndex, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegative(itemIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(itemIndex, Items.Count);
        var norms = _itemNorms.Value;
        var row = _weights.ItemRow(itemIndex);
        var similarity = new float[Items.Count];
        for (var j = 0; j < similarity.Length; j++)
        {
            similarity[j] = _itemCounts[j] == 0
                ? float.NaN
                : VectorMath.Cosine(VectorMath.Dot(row, _weights.ItemRow(j)), norms[itemIndex], norms[j]);
        }

        var top = TopN.Select(similarity, count, [], null, skipIndex: itemIndex);
        return Array.ConvertAll(top, t => new Neighbor(t.Index, t.Score));
    }

    private static readonly IReadOnlySet<int> EmptySet = new HashSet<int>();

    private static float[] RowNorms(float[] rows, int count)
    {
        var stride = rows.Length / Math.Max(count, 1);
        var norms = new float[count];
        for (var r = 0; r < count; r++)
        {
            norms[r] = MathF.Sqrt(VectorMath.SquaredNorm(rows.AsSpan(r * stride, stride)));
        }

        return norms;
    }
}
