using Recommender.Core.Data;
using Recommender.Core.Model;
using Recommender.Core.Numerics;

namespace Recommender.Core.Training;

/// <summary>
/// Alternating least squares for the biased model, with weighted-λ regularization (Zhou, Wilkinson, Schreiber
/// &amp; Pan 2008).
/// </summary>
/// <remarks>
/// <para><b>Model</b>: r̂_ui = μ + b_u + b_i + p_u·q_i.</para>
/// <para><b>Objective</b>: Σ e_ui² + Σ_u n_u(λ‖p_u‖² + λ_b b_u²) + Σ_i n_i(λ‖q_i‖² + λ_b b_i²), n the rating counts.</para>
/// <para><b>Update</b>: each epoch solves, for every user, the (k+1)-dimensional ridge problem for [p_u; b_u] with
/// item features [q_i; 1] and targets r_ui − μ − b_i — (Σ x xᵀ + n_u diag(λ…λ, λ_b)) w = Σ x y — by Cholesky; then
/// the same for every item with user features. The objective never increases.</para>
/// <para><b>Initialisation</b>: item factors ~ N(0, σ²), biases 0 (the user step comes first).</para>
/// <para><b>Parallelism</b>: the rows of each side are solved on up to <see cref="TrainingParameters.Threads"/> threads;
/// each row's solve is independent, so the result does not depend on the thread count.</para>
/// </remarks>
internal sealed class AlsTrainer(TrainingParameters parameters) : FactorTrainerBase(parameters)
{
    protected override bool HasBiases => true;

    protected override void Initialize(FactorWeights weights, Gaussian gaussian) =>
        gaussian.FillRows(weights.ItemFactors, weights.Items, weights.Factors, weights.Stride, Parameters.EffectiveInitStandardDeviation);

    protected override EpochRunner Prepare(
        RatingDataset train, FactorWeights weights, int[] userCounts, int[] itemCounts, Random random)
    {
        var byUser = SparseRows.Build(train.UserIndices, train.ItemIndices, train.Values, weights.Users);
        var byItem = SparseRows.Build(train.ItemIndices, train.UserIndices, train.Values, weights.Items);
        return new EpochRunner(_ =>
        {
            SolveSide(byUser, weights.UserFactors, weights.UserBias, weights.ItemFactors, weights.ItemBias, weights);
            SolveSide(byItem, weights.ItemFactors, weights.ItemBias, weights.UserFactors, weights.UserBias, weights);
            double sse = 0;
            for (var n = 0; n < train.Count; n++)
            {
                var error = train.Values[n] - weights.Score(train.UserIndices[n], train.ItemIndices[n]);
                sse += error * error;
            }

            double penalty = 0;
            for (var u = 0; u < weights.Users; u++)
            {
                penalty += userCounts[u] * (Parameters.Regularization * VectorMath.SquaredNorm(weights.UserRow(u))
                    + Parameters.BiasRegularization * weights.UserBias[u] * weights.UserBias[u]);
            }

            for (var i = 0; i < weights.Items; i++)
            {
                penalty += itemCounts[i] * (Parameters.Regularization * VectorMath.SquaredNorm(weights.ItemRow(i))
                    + Parameters.BiasRegularization * weights.ItemBias[i] * weights.ItemBias[i]);
            }

            return (sse + penalty, Math.Sqrt(sse / train.Count));
        });
    }

    /// <summary>Solves every row of one side against the fixed other side; rows are independent, so they run in parallel.</summary>
    private void SolveSide(SparseRows rows, float[] factors, float[] bias, float[] otherFactors, float[] otherBias, FactorWeights weights)
    {
        var size = weights.Factors + 1;
        var options = new ParallelOptions { MaxDegreeOfParallelism = Parameters.EffectiveThreads };
        var failed = 0;
        Parallel.For(
            0,
            rows.Count,
            options,
            () => (Normal: new double[size * size], Rhs: new double[size], Feature: new double[size]),
            (row, _, buffers) =>
            {
                if (!SolveRow(rows, row, factors, bias, otherFactors, otherBias, weights, buffers))
                {
                    Interlocked.Exchange(ref failed, 1);
                }

                return buffers;
            },
            _ => { });
        if (failed != 0)
        {
            throw new TrainingDivergedException(0, double.NaN);
        }
    }

    private bool SolveRow(
        SparseRows rows, int row, float[] factors, float[] bias, float[] otherFactors, float[] otherBias, FactorWeights weights,
        (double[] Normal, double[] Rhs, double[] Feature) buffers)
    {
        var k = weights.Factors;
        var stride = weights.Stride;
        var size = k + 1;
        var start = rows.Offsets[row];
        var end = rows.Offsets[row + 1];
        if (start == end)
        {
            return true;
        }

        var (normal, rhs, feature) = buffers;
        Array.Clear(normal);
        Array.Clear(rhs);
        for (var n = start; n < end; n++)
        {
            var other = rows.Columns[n];
            var q = otherFactors.AsSpan(other * stride, k);
            for (var f = 0; f < k; f++)
            {
                feature[f] = q[f];
            }

            feature[k] = 1;
            FactorModel.AccumulateOuter(normal, rhs, feature, rows.Values[n] - weights.GlobalMean - otherBias[other], size);
        }

        var count = end - start;
        for (var f = 0; f < k; f++)
        {
            normal[f * size + f] += Parameters.Regularization * count;
        }

        normal[k * size + k] += Math.Max(Parameters.BiasRegularization, 1e-6) * count;
        if (!Cholesky.Solve(normal, rhs, size))
        {
            return false;
        }

        var target = factors.AsSpan(row * stride, k);
        for (var f = 0; f < k; f++)
        {
            target[f] = (float)rhs[f];
        }

        bias[row] = (float)rhs[k];
        return true;
    }
}

/// <summary>Compressed sparse rows: for row r, entries Offsets[r]..Offsets[r+1] of Columns and Values.</summary>
internal sealed record SparseRows(int Count, int[] Offsets, int[] Columns, float[] Values)
{
    public static SparseRows Build(int[] rows, int[] columns, float[] values, int rowCount)
    {
        var offsets = new int[rowCount + 1];
        foreach (var r in rows)
        {
            offsets[r + 1]++;
        }

        for (var r = 0; r < rowCount; r++)
        {
            offsets[r + 1] += offsets[r];
        }

        var next = offsets[..^1];
        var outColumns = new int[rows.Length];
        var outValues = new float[rows.Length];
        for (var n = 0; n < rows.Length; n++)
        {
            var slot = next[rows[n]]++;
            outColumns[slot] = columns[n];
            outValues[slot] = values[n];
        }

        return new SparseRows(rowCount, offsets, outColumns, outValues);
    }
}
