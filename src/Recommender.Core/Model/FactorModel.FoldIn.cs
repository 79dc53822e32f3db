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
    /// <para><b>Blend</b>: each part's problems are solved on that part's columns with that part's regularization, the
    /// rows are kept side by side and the biases averaged, as a trained blend is. One approximation: every part's
    /// targets are reduced by the blend's μ + b_i, the mean of the parts' item biases, since the parts' own are not kept.</para>
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
        double bias = 0;
        foreach (var block in FoldInBlocks())
        {
            var solution = SolveUser(ratings, block, implicitSum);
            if (solution is not { } found)
            {
                return new UserVector(userIndex, new float[_weights.Stride], 0f, rated, isFallback: true, isFoldedIn: true);
            }

            for (var f = 0; f < block.Width; f++)
            {
                var column = block.Offset + f;
                factors[column] = (float)(found.Factors[f] / block.Scale) + (implicitSum?[column] ?? 0f);
            }

            bias += block.Weight * found.Bias;
        }

        return new UserVector(userIndex, factors, (float)bias, rated, isFallback: false, isFoldedIn: true);
    }

    /// <summary>
    /// One ridge problem of fold-in: the model's columns <see cref="Offset"/> … + <see cref="Width"/> hold a sub-model's
    /// user and item factors divided by <see cref="Scale"/>, whose prediction counts with <see cref="Weight"/> in the model's;
    /// <see cref="FactorLambda"/> and <see cref="BiasLambda"/> are that sub-model's per-rating regularization.
    /// </summary>
    private readonly record struct FoldInBlock(int Offset, int Width, double Scale, double Weight, double FactorLambda, double BiasLambda);

    /// <summary>
    /// The ridge problems a fold-in solves: one for a plain model; one per sample (k factors, scale √S, weight 1/S) for a
    /// Bayesian model; for a blend of P parts, each part's own problems with its scale multiplied by √P and its weight
    /// divided by P. A model whose recorded parameters do not account for every factor (a corrupt or foreign record) is
    /// solved as one plain problem.
    /// </summary>
    private List<FoldInBlock> FoldInBlocks()
    {
        var blocks = new List<FoldInBlock>();
        if (Parameters is { Algorithm: Algorithm.Blend, Parts: { Count: > 0 } parts } && parts.Sum(p => p.BlendWidth) == Factors)
        {
            var offset = 0;
            foreach (var part in parts)
            {
                AddBlocks(blocks, part, offset, part.BlendWidth, 1.0 / parts.Count);
                offset += part.BlendWidth;
            }
        }
        else
        {
            AddBlocks(blocks, Parameters, 0, Factors, 1.0);
        }

        return blocks;
    }

    private static void AddBlocks(List<FoldInBlock> blocks, TrainingParameters parameters, int offset, int width, double weight)
    {
        var k = parameters.Factors;
        var samples = parameters.Algorithm == Algorithm.Bayesian && k > 0 && width % k == 0 ? width / k : 1;
        var blockWidth = width / samples;
        var (factorLambda, biasLambda) = FoldInRegularization(parameters);
        for (var s = 0; s < samples; s++)
        {
            blocks.Add(new FoldInBlock(offset + s * blockWidth, blockWidth, Math.Sqrt(samples / weight), weight / samples, factorLambda, biasLambda));
        }
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
    /// The ridge solution [p; b] of <paramref name="block"/> (item columns multiplied by its scale), the targets reduced
    /// by the block's part of q_i·<paramref name="implicitSum"/>; null when no rating is usable or the system is singular.
    /// </summary>
    private (double[] Factors, double Bias)? SolveUser(
        IReadOnlyList<(int ItemIndex, float Rating)> ratings, FoldInBlock block, float[]? implicitSum)
    {
        var (offset, k, scale) = (block.Offset, block.Width, block.Scale);
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
                target -= VectorMath.Dot(q.Slice(offset, k), implicitSum.AsSpan(offset, k)) * scale * scale;
            }

            AccumulateOuter(normal, rhs, feature, target, size);
        }

        if (used == 0)
        {
            return null;
        }

        for (var f = 0; f < k; f++)
        {
            normal[f * size + f] += block.FactorLambda * used;
        }

        if (HasBiases)
        {
            normal[k * size + k] += block.BiasLambda * used;
        }

        if (!Cholesky.Solve(normal, rhs, size))
        {
            return null;
        }

        return (rhs[..k], HasBiases ? rhs[k] : 0);
    }

    /// <summary>Per-rating weights (λ_f, λ_b) of the fold-in ridge problem for a model trained with <paramref name="parameters"/>.</summary>
    private static (double Factor, double Bias) FoldInRegularization(TrainingParameters parameters)
    {
        // A tiny floor keeps the normal equations positive definite when λ = 0.
        const double floor = 1e-6;
        var lambda = (double)parameters.Regularization;
        return parameters.Algorithm == Algorithm.Notebook
            ? (Math.Max(lambda / 2, floor), 0)
            : (Math.Max(lambda, floor), Math.Max(parameters.BiasRegularization, floor));
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
