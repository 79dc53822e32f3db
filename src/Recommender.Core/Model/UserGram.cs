using Recommender.Core.Numerics;

namespace Recommender.Core.Model;

/// <summary>
/// Exact cosine between users' full predicted rows in O(k²) per pair. A user's unclipped score row is
/// s_u = C a_u with a_u = [p_u, μ + b_u, 1] and item rows c_i = [q_i, 1, b_i] (the bias terms are zero without
/// biases), so s_u·s_v = a_uᵀ G a_v with the (k+2)×(k+2) Gram matrix G = Σ_i c_i c_iᵀ over trained items.
/// </summary>
internal sealed class UserGram
{
    private readonly double[] _gram;
    private readonly int _size;

    private UserGram(double[] gram, int size, float[] norms)
    {
        _gram = gram;
        _size = size;
        Norms = norms;
    }

    /// <summary>‖s_u‖ of every user.</summary>
    public float[] Norms { get; }

    public static UserGram Build(FactorModel model)
    {
        var weights = model.Weights;
        var k = weights.Factors;
        var size = k + 2;
        var trained = new List<int>(weights.Items);
        for (var i = 0; i < weights.Items; i++)
        {
            if (model.IsItemTrained(i))
            {
                trained.Add(i);
            }
        }

        // The columns of C (one value per trained item each), so every entry of G = CᵀC is one SIMD dot product.
        var columns = new double[size][];
        for (var r = 0; r < size; r++)
        {
            columns[r] = new double[trained.Count];
        }

        for (var n = 0; n < trained.Count; n++)
        {
            var i = trained[n];
            var q = weights.ItemRow(i);
            for (var f = 0; f < k; f++)
            {
                columns[f][n] = q[f];
            }

            columns[k][n] = weights.HasBiases ? 1 : 0;
            columns[k + 1][n] = weights.HasBiases ? weights.ItemBias[i] : 0;
        }

        var gram = new double[size * size];
        for (var r = 0; r < size; r++)
        {
            for (var s = r; s < size; s++)
            {
                gram[r * size + s] = gram[s * size + r] = VectorMath.Dot(columns[r], columns[s]);
            }
        }

        var result = new UserGram(gram, size, new float[weights.Users]);
        for (var u = 0; u < weights.Users; u++)
        {
            var user = model.User(u);
            result.Norms[u] = (float)Math.Sqrt(Math.Max(0, result.Dot(result.Project(model, user), model, user)));
        }

        return result;
    }

    /// <summary>G a_u.</summary>
    public double[] Project(FactorModel model, in UserVector user)
    {
        var a = Augment(model, user);
        var projected = new double[_size];
        for (var r = 0; r < _size; r++)
        {
            projected[r] = VectorMath.Dot(_gram.AsSpan(r * _size, _size), a);
        }

        return projected;
    }

    /// <summary>(G a_u)·a_v = s_u·s_v.</summary>
    public double Dot(double[] projected, FactorModel model, in UserVector other)
    {
        var k = _size - 2;
        var factors = other.Factors.Span;
        double sum = 0;
        for (var f = 0; f < k; f++)
        {
            sum += projected[f] * factors[f];
        }

        if (model.HasBiases)
        {
            sum += projected[k] * (model.GlobalMean + other.Bias) + projected[k + 1];
        }

        return sum;
    }

    private double[] Augment(FactorModel model, in UserVector user)
    {
        var k = _size - 2;
        var a = new double[_size];
        var factors = user.Factors.Span;
        for (var f = 0; f < k; f++)
        {
            a[f] = factors[f];
        }

        if (model.HasBiases)
        {
            a[k] = model.GlobalMean + user.Bias;
            a[k + 1] = 1;
        }

        return a;
    }
}
