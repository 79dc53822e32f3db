using System.Diagnostics;
using Recommender.Core.Numerics;
using Recommender.Core.Training;

namespace Recommender.Core.Ranking;

/// <summary>
/// Implicit-feedback alternating least squares (Hu, Koren &amp; Volinsky, ICDM 2008) with conjugate-gradient row
/// updates (Takács, Pilászy &amp; Tikk, RecSys 2011).
/// </summary>
/// <remarks>
/// <para><b>Model</b>: score(u, i) = p_u·q_i with k-dimensional user and item factors.</para>
/// <para><b>Objective</b>: Σ_u Σ_i c_ui (x_ui − p_u·q_i)² + Σ_u λ_u‖p_u‖² + Σ_i λ_i‖q_i‖² over every (u, i) pair,
/// observed or not, with confidence c_ui = 1 + α x_ui and λ_u = λ(1 + α n_u / |I|)^ν — Hu et al.'s plain λ for
/// ν = 0, Rendle et al. (2022)'s frequency-scaled regularization for ν = 1 (n_u the user's interactions, |I| the
/// number of items with any; symmetrically for items).</para>
/// <para><b>Update</b>: with the other side fixed, each row solves (YᵀY + α Σ_{i∈u} q_i q_iᵀ + λ_u I) p_u =
/// (1 + α) Σ_{i∈u} q_i. YᵀY is shared by every row (the Gram trick), so the product A·v costs k² + 2k·n_u and the
/// matrix A is never formed; <see cref="RankingParameters.ConjugateGradientSteps"/> steps of conjugate gradient,
/// warm-started from the row's previous value, replace the k³ solve. Users, then items, each alternation.</para>
/// <para><b>Initialisation</b>: both sides ~ N(0, σ²), σ = 0.1/√k by default (Rendle et al. 2022); rows without
/// interactions are 0.</para>
/// <para><b>Parallelism</b>: rows are independent given the other side, and YᵀY is summed in fixed chunks, so the
/// model is the same for any thread count.</para>
/// </remarks>
internal static class ImplicitAlsTrainer
{
    public static (float[] UserFactors, float[] ItemFactors, TimeSpan EpochTime) Fit(
        Interactions x, RankingParameters parameters, CancellationToken cancellationToken)
    {
        var k = parameters.Factors;
        var stride = VectorMath.PaddedLength(k);
        var users = new float[x.Users * stride];
        var items = new float[x.Items * stride];
        var gaussian = new Gaussian(new Random(parameters.Seed));
        gaussian.FillRows(users, x.Users, k, stride, parameters.EffectiveInitStandardDeviation);
        gaussian.FillRows(items, x.Items, k, stride, parameters.EffectiveInitStandardDeviation);
        ClearEmptyRows(users, x.ByUser, stride);
        ClearEmptyRows(items, x.ByItem, stride);
        var activeUsers = CountNonEmpty(x.ByUser);
        var activeItems = CountNonEmpty(x.ByItem);
        var options = new ParallelOptions { MaxDegreeOfParallelism = parameters.EffectiveThreads, CancellationToken = cancellationToken };
        var clock = Stopwatch.StartNew();
        for (var epoch = 0; epoch < parameters.Epochs; epoch++)
        {
            SolveSide(x.ByUser, users, items, activeItems, parameters, stride, options);
            SolveSide(x.ByItem, items, users, activeUsers, parameters, stride, options);
        }

        return (users, items, clock.Elapsed);
    }

    /// <summary>λ_r = λ(1 + α n_r / others)^ν.</summary>
    internal static float RowRegularization(RankingParameters parameters, int interactions, int others) =>
        parameters.RegularizationExponent == 0
            ? parameters.Regularization
            : (float)(parameters.Regularization * Math.Pow(1 + (double)parameters.Alpha * interactions / Math.Max(1, others), parameters.RegularizationExponent));

    private static void SolveSide(SparseRows rows, float[] factors, float[] other, int others, RankingParameters parameters, int stride, ParallelOptions options)
    {
        var k = parameters.Factors;
        var solver = new ConjugateGradientRow(FactorGram.Compute(other, other.Length / stride, k, stride, options), other, k, stride, parameters.Alpha);
        Parallel.For(
            0,
            rows.Count,
            options,
            () => new float[3 * stride],
            (r, _, buffers) =>
            {
                var start = rows.Offsets[r];
                var length = rows.Offsets[r + 1] - start;
                if (length > 0)
                {
                    var lambda = RowRegularization(parameters, length, others);
                    solver.Solve(rows.Columns.AsSpan(start, length), lambda, parameters.ConjugateGradientSteps, factors.AsSpan(r * stride, stride), buffers);
                }

                return buffers;
            },
            _ => { });
    }

    private static void ClearEmptyRows(float[] factors, SparseRows rows, int stride)
    {
        for (var r = 0; r < rows.Count; r++)
        {
            if (rows.Offsets[r + 1] == rows.Offsets[r])
            {
                factors.AsSpan(r * stride, stride).Clear();
            }
        }
    }

    private static int CountNonEmpty(SparseRows rows)
    {
        var count = 0;
        for (var r = 0; r < rows.Count; r++)
        {
            count += rows.Offsets[r + 1] > rows.Offsets[r] ? 1 : 0;
        }

        return count;
    }
}
