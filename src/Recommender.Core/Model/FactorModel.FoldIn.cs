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
    /// <para><b>SVD++</b>: with z = |N|^−½ Σ_{j∈N} y_j over the distinct trained items N the user rated, the targets
    /// are r_ui − μ − b_i − q_i·z, and the user's row is p_u + z — the trainer's effective vector.</para>
    /// <para><b>Bayesian</b>: the model's rows are S samples side by side (k factors each, scaled by 1/√S). Each
    /// sample's block is solved on its own against that sample's item factors (the same ridge problem, k + 1
    /// unknowns), the blocks are stored side by side again and the biases averaged, so the fold-in's prediction is the
    /// average of the S samples' fold-in predictions — S solves of k + 1 unknowns rather than one of k·S + 1.</para>
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
        var factors = new float[_weights.Stride];
        var implicitSum = ImplicitSum(rated);
        var (blocks, blockFactors) = SampleBlocks();
        var scale = Math.Sqrt(blocks);
        double biasSum = 0;
        for (var block = 0; block < blocks; block++)
        {
            var solution = SolveUser(ratings, block * blockFactors, blockFactors, scale, implicitSum);
            if (solution is not { } found)
            {
                return new UserVector(userIndex, new float[_weights.Stride], 0f, rated, isFallback: true, isFoldedIn: true);
            }

            for (var f = 0; f < blockFactors; f++)
            {
                factors[block * blockFactors + f] = (float)(found.Factors[f] / scale) + (implicitSum?[f] ?? 0f);
            }

            biasSum += found.Bias;
        }

        return new UserVector(userIndex, factors, (float)(biasSum / blocks), rated, isFallback: false, isFoldedIn: true);
    }

    /// <summary>The number of side-by-side samples and the factors of each: (S, k) for a Bayesian model, else (1, k).</summary>
    private (int Blocks, int Factors) SampleBlocks()
    {
        var k = Parameters.Factors;
        return Parameters.Algorithm == Algorithm.Bayesian && k > 0 && Factors % k == 0 ? (Factors / k, k) : (1, Factors);
    }

    /// <summary>SVD++'s z = |N|^−½ Σ_{j∈N} y_j over the trained items among <paramref name="rated"/>; null for other models.</summary>
    private float[]? ImplicitSum(int[] rated)
    {
        if (_weights.ImplicitFactors is null)
        {
            return null;
        }

        var z = new float[_weights.Stride];
        var count = 0;
        foreach (var item in rated)
        {
            if (_itemCounts[item] > 0)
            {
                VectorMath.AddScaled(1f, _weights.ImplicitRow(item), z);
                count++;
            }
        }

        if (count > 0)
        {
            VectorMath.Scale(1f / MathF.Sqrt(count), z);
        }

        return z;
    }

    /// <summary>
    /// The ridge solution [p; b] against item columns <paramref name="offset"/> … + <paramref name="k"/> multiplied by
    /// <paramref name="scale"/>, the targets reduced by q_i·<paramref name="implicitSum"/>; null when no rating is usable
    /// or the system is singular.
    /// </summary>
    private (double[] Factors, double Bias)? SolveUser(
        IReadOnlyList<(int ItemIndex, float Rating)> ratings, int offset, int k, double scale, float[]? implicitSum)
    {
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
                feature[f] = q[offset + f] * scale;
            }

            var target = (double)rating;
            if (HasBiases)
            {
                feature[k] = 1;
                target -= GlobalMean + _weights.ItemBias[item];
            }

            if (implicitSum is not null)
            {
                target -= VectorMath.Dot(q, implicitSum);
            }

            AccumulateOuter(normal, rhs, feature, target, size);
        }

        if (used == 0)
        {
            return null;
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
            return null;
        }

        return (rhs[..k], HasBiases ? rhs[k] : 0);
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
