using Recommender.Core.Data;
using Recommender.Core.Model;
using Recommender.Core.Numerics;

namespace Recommender.Core.Training;

internal sealed partial class BayesianTrainer
{
    /// <summary>Ratings per chunk of the squared-error sum: fixed, so the sum's order does not depend on the thread count.</summary>
    private const int UsersPerChunk = 64;

    /// <summary>
    /// Draws every row of one side from its conditional given the other side, α and the side's prior; rows in parallel,
    /// each from its own stream.
    /// </summary>
    private void SampleSide(
        SparseRows rows, double[] own, double[] other, NormalWishart prior, double alpha, double globalMean, int sweep, int side)
    {
        var d = Parameters.Factors + 1;
        var options = new ParallelOptions { MaxDegreeOfParallelism = Parameters.EffectiveThreads };
        var failed = 0;
        Parallel.For(
            0,
            rows.Count,
            options,
            () => (Precision: new double[d * d], Linear: new double[d], Feature: new double[d]),
            (row, _, buffers) =>
            {
                if (!SampleRow(rows, row, own, other, prior, alpha, globalMean, sweep, side, buffers))
                {
                    Interlocked.Exchange(ref failed, 1);
                }

                return buffers;
            },
            _ => { });
        if (failed != 0)
        {
            throw new TrainingDivergedException(sweep, double.NaN);
        }
    }

    private bool SampleRow(
        SparseRows rows, int row, double[] own, double[] other, NormalWishart prior, double alpha, double globalMean, int sweep, int side,
        (double[] Precision, double[] Linear, double[] Feature) buffers)
    {
        var d = Parameters.Factors + 1;
        var k = d - 1;
        var (precision, linear, feature) = buffers;
        Array.Clear(precision);
        Array.Clear(linear);
        for (var n = rows.Offsets[row]; n < rows.Offsets[row + 1]; n++)
        {
            var x = other.AsSpan(rows.Columns[n] * d, d);
            x[..k].CopyTo(feature);
            feature[k] = 1;
            var target = rows.Values[n] - globalMean - x[k];
            for (var r = 0; r < d; r++)
            {
                linear[r] += feature[r] * target;
                DenseKernels.AddScaled(feature[r], feature.AsSpan(0, r + 1), precision.AsSpan(r * d, r + 1));
            }
        }

        // A = Λ + α Σ x xᵀ (lower triangle), b = Λμ + α Σ x y.
        for (var r = 0; r < d; r++)
        {
            linear[r] = prior.PrecisionTimesMean[r] + alpha * linear[r];
            for (var s = 0; s <= r; s++)
            {
                precision[r * d + s] = prior.Precision[r * d + s] + alpha * precision[r * d + s];
            }
        }

        if (!Cholesky.Factor(precision, d))
        {
            return false;
        }

        // x = L⁻ᵀ(L⁻¹ b + z): mean A⁻¹b plus a N(0, A⁻¹) deviate.
        Cholesky.SolveLower(precision, linear, d);
        var random = RandomStream.For(Parameters.Seed, sweep, side, row);
        for (var r = 0; r < d; r++)
        {
            linear[r] += random.Normal();
        }

        Cholesky.SolveUpper(precision, linear, d);
        linear.CopyTo(own.AsSpan(row * d, d));
        return true;
    }

    /// <summary>Σ e² of the current sample over the training ratings, summed over fixed chunks of users.</summary>
    private double SquaredError(SparseRows byUser, double[] userRows, double[] itemRows, double globalMean, int d)
    {
        var chunks = (byUser.Count + UsersPerChunk - 1) / UsersPerChunk;
        var partial = new double[chunks];
        var options = new ParallelOptions { MaxDegreeOfParallelism = Parameters.EffectiveThreads };
        Parallel.For(0, chunks, options, chunk =>
        {
            double sum = 0;
            for (var u = chunk * UsersPerChunk; u < Math.Min(byUser.Count, (chunk + 1) * UsersPerChunk); u++)
            {
                var p = userRows.AsSpan(u * d, d);
                for (var n = byUser.Offsets[u]; n < byUser.Offsets[u + 1]; n++)
                {
                    var error = byUser.Values[n] - Predict(p, itemRows.AsSpan(byUser.Columns[n] * d, d), globalMean);
                    sum += error * error;
                }
            }

            partial[chunk] = sum;
        });
        double total = 0;
        foreach (var value in partial)
        {
            total += value;
        }

        return total;
    }

    /// <summary>μ + b_u + b_i + p_u·q_i of one sample's rows [p_u; b_u] and [q_i; b_i].</summary>
    private static double Predict(ReadOnlySpan<double> user, ReadOnlySpan<double> item, double globalMean)
    {
        var k = user.Length - 1;
        return globalMean + user[k] + item[k] + VectorMath.Dot(user[..k], item[..k]);
    }

    /// <summary>Writes the current sample as block <paramref name="sample"/> of the model's rows, scaled by 1/√S, and adds its biases.</summary>
    private void Store(FactorWeights final, int sample, double[] userRows, double[] itemRows, double[] userBiasSum, double[] itemBiasSum)
    {
        var k = Parameters.Factors;
        var scale = 1 / Math.Sqrt(Parameters.Samples);
        StoreSide(final.UserFactors, final.Stride, userRows, userBiasSum, sample * k, k, scale);
        StoreSide(final.ItemFactors, final.Stride, itemRows, itemBiasSum, sample * k, k, scale);
    }

    private static void StoreSide(float[] target, int stride, double[] rows, double[] biasSum, int offset, int k, double scale)
    {
        var d = k + 1;
        for (var row = 0; row < biasSum.Length; row++)
        {
            for (var f = 0; f < k; f++)
            {
                target[row * stride + offset + f] = (float)(rows[row * d + f] * scale);
            }

            biasSum[row] += rows[row * d + k];
        }
    }

    /// <summary>
    /// RMSE on the validation ratings of the average over the stored samples so far (adding the current sample when it is
    /// stored), or of the current sample before the first is stored.
    /// </summary>
    private double ValidationRmse(
        RatingDataset validation, double[] sum, double[] userRows, double[] itemRows, double globalMean, int d, bool store, int stored)
    {
        double sse = 0;
        for (var n = 0; n < validation.Count; n++)
        {
            var (u, i) = (validation.UserIndices[n], validation.ItemIndices[n]);
            var current = u < userRows.Length / d && i < itemRows.Length / d
                ? Predict(userRows.AsSpan(u * d, d), itemRows.AsSpan(i * d, d), globalMean)
                : globalMean;
            if (store)
            {
                sum[n] += current;
            }

            var prediction = stored == 0 ? current : sum[n] / stored;
            var error = validation.Values[n] - Math.Clamp(prediction, Parameters.MinRating, Parameters.MaxRating);
            sse += error * error;
        }

        return validation.Count == 0 ? 0 : Math.Sqrt(sse / validation.Count);
    }
}
