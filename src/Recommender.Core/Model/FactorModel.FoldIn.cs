using Recommender.Core.Numerics;
using Recommender.Core.Training;

namespace Recommender.Core.Model;

public sealed partial class FactorModel
{
    /// <summary>
    /// Folds a user in against the fixed item factors, so a new or changed user is served without a retrain.
    /// </summary>
    /// <remarks>
    /// Solves the regularized least-squares problem of the user's side of the model exactly:
    /// minimise Σ_i (r_ui − μ − b_i − b_u − p_u·q_i)² + n_u(λ‖p_u‖² + λ_b b_u²) over (p_u, b_u) — the
    /// weighted-λ form that per-rating SGD regularization amounts to (for the notebook's update rule, whose
    /// gradient carries a factor 2 on the error, the factor weight is λ/2 and there is no bias). This is
    /// precisely one ALS user step (Zhou et al. 2008). Ratings of items the model did not train on are ignored
    /// for the solve but still excluded from recommendations. With no usable rating the result is a fallback
    /// vector. <paramref name="userIndex"/> is the model's index of the user, or -1 for a new user.
    /// </remarks>
    public UserVector FoldIn(IReadOnlyList<(int ItemIndex, float Rating)> ratings, int userIndex = -1)
    {
        ArgumentNullException.ThrowIfNull(ratings);
        var rated = new int[ratings.Count];
        for (var n = 0; n < ratings.Count; n++)
        {
            var item = ratings[n].ItemIndex;
            ArgumentOutOfRangeException.ThrowIfNegative(item);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(item, Items.Count);
            rated[n] = item;
        }

        Array.Sort(rated);
        rated = DistinctSorted(rated);
        var stride = _weights.Stride;
        var factors = new float[stride];
        var k = Factors;
        var size = HasBiases ? k + 1 : k;
        var normal = new double[size * size];
        var rhs = new double[size];
        var feature = new double[size];
        var used = 0;
        foreach (var (item, rating) in ratings)
        {
            if (_itemCounts[item] == 0 || !float.IsFinite(rating))
            {
                continue;
            }

            used++;
            var q = _weights.ItemRow(item);
            for (var f = 0; f < k; f++)
            {
                feature[f] = q[f];
            }

            var target = (double)rating;
            if (HasBiases)
            {
                feature[k] = 1;
                target -= GlobalMean + _weights.ItemBias[item];
            }

            AccumulateOuter(normal, rhs, feature, target, size);
        }

        if (used == 0)
        {
            return new UserVector(userIndex, factors, 0f, rated, isFallback: true, isFoldedIn: true);
        }

        var (factorLambda, biasLambda) = FoldInRegularization();
        for (var f = 0; f < k; f++)
        {
            normal[f * size + f] += factorLambda * used;
        }

        if (HasBiases)
        {
            normal[k * size + k] += biasLambda * used;
        }

        if (!Cholesky.Solve(normal, rhs, size))
        {
            return new UserVector(userIndex, factors, 0f, rated, isFallback: true, isFoldedIn: true);
        }

        for (var f = 0; f < k; f++)
        {
            factors[f] = (float)rhs[f];
        }

        var bias = HasBiases ? (float)rhs[k] : 0f;
        return new UserVector(userIndex, factors, bias, rated, isFallback: false, isFoldedIn: true);
    }

    /// <summary>Per-rating weights (λ_f, λ_b) of the fold-in ridge problem for this model's algorithm.</summary>
    private (double Factor, double Bias) FoldInRegularization()
    {
        // A tiny floor keeps the normal equations positive definite when λ = 0.
        const double floor = 1e-6;
        var lambda = (double)Parameters.Regularization;
        return Parameters.Algorithm == Algorithm.Notebook
            ? (Math.Max(lambda / 2, floor), 0)
            : (Math.Max(lambda, floor), Math.Max(Parameters.BiasRegularization, floor));
    }

    /// <summary>Adds x xᵀ to the lower triangle of <paramref name="normal"/> (all Cholesky reads) and x·y to <paramref name="rhs"/>.</summary>
    internal static void AccumulateOuter(double[] normal, double[] rhs, double[] feature, double target, int size)
    {
        for (var r = 0; r < size; r++)
        {
            var fr = feature[r];
            rhs[r] += fr * target;
            var row = r * size;
            for (var s = 0; s <= r; s++)
            {
                normal[row + s] += fr * feature[s];
            }
        }
    }

    private static int[] DistinctSorted(int[] sorted)
    {
        if (sorted.Length < 2)
        {
            return sorted;
        }

        var write = 1;
        for (var read = 1; read < sorted.Length; read++)
        {
            if (sorted[read] != sorted[write - 1])
            {
                sorted[write++] = sorted[read];
            }
        }

        return sorted[..write];
    }
}
