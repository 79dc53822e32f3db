using Recommender.Core.Data;
using Recommender.Core.Model;
using Recommender.Core.Numerics;

namespace Recommender.Core.Training;

/// <summary>
/// The seed notebook's algorithm, kept exact as the reference implementation and the scalar baseline of the
/// benchmarks. It works in double precision, like the notebook's NumPy code.
/// </summary>
/// <remarks>
/// <para><b>Model</b>: r̂_ui = u·v, no biases (μ is kept only for the fallback).</para>
/// <para><b>Initialisation</b>: U (users × k), then V (items × k), each entry ~ N(0, (1/k)²) unless
/// <see cref="TrainingParameters.InitStandardDeviation"/> is set.</para>
/// <para><b>Update</b>: for every known rating in dataset order (the notebook's <c>ratings.nonzero()</c> order for a
/// row-major dataset): e = r − u·v; u ← u + α(2e·v − λu); then v ← v + α(2e·u − λv) with the already-updated u.
/// The learning-rate decay applies if set (the notebook's is 1).</para>
/// <para><b>Objective</b> (computed exactly after each epoch, as the notebook's <c>compute_loss</c>):
/// Σ e² + λ(‖U‖² + ‖V‖²). The notebook prints it as "MSE", but it is a sum of squared errors.</para>
/// <para><b>Defaults</b>: k = 5, α = 0.01, λ = 0.02, 1,000 epochs.</para>
/// </remarks>
internal sealed class NotebookSgdTrainer(TrainingParameters parameters) : FactorTrainerBase(parameters)
{
    private double[] _u = [];
    private double[] _v = [];

    protected override bool HasBiases => false;

    protected override void Initialize(FactorWeights weights, Gaussian gaussian)
    {
        var k = weights.Factors;
        var sigma = Parameters.EffectiveInitStandardDeviation;
        _u = new double[weights.Users * k];
        _v = new double[weights.Items * k];
        for (var n = 0; n < _u.Length; n++)
        {
            _u[n] = gaussian.Next(sigma);
        }

        for (var n = 0; n < _v.Length; n++)
        {
            _v[n] = gaussian.Next(sigma);
        }

        CopyToWeights(weights);
    }

    protected override EpochRunner Prepare(
        RatingDataset train, FactorWeights weights, int[] userCounts, int[] itemCounts, Random random)
    {
        var k = weights.Factors;
        var alpha = 0.0;
        double lambda = Parameters.Regularization;
        return new EpochRunner(learningRate =>
        {
            alpha = learningRate;
            for (var n = 0; n < train.Count; n++)
            {
                var u = _u.AsSpan(train.UserIndices[n] * k, k);
                var v = _v.AsSpan(train.ItemIndices[n] * k, k);
                var error = train.Values[n] - Dot(u, v);
                for (var f = 0; f < k; f++)
                {
                    u[f] += alpha * (2 * error * v[f] - lambda * u[f]);
                }

                for (var f = 0; f < k; f++)
                {
                    v[f] += alpha * (2 * error * u[f] - lambda * v[f]);
                }
            }

            double sse = 0;
            for (var n = 0; n < train.Count; n++)
            {
                var error = train.Values[n] - Dot(_u.AsSpan(train.UserIndices[n] * k, k), _v.AsSpan(train.ItemIndices[n] * k, k));
                sse += error * error;
            }

            CopyToWeights(weights);
            return (sse + lambda * (Dot(_u, _u) + Dot(_v, _v)), Math.Sqrt(sse / train.Count));
        });
    }

    private void CopyToWeights(FactorWeights weights)
    {
        var k = weights.Factors;
        for (var u = 0; u < weights.Users; u++)
        {
            for (var f = 0; f < k; f++)
            {
                weights.UserFactors[u * weights.Stride + f] = (float)_u[u * k + f];
            }
        }

        for (var i = 0; i < weights.Items; i++)
        {
            for (var f = 0; f < k; f++)
            {
                weights.ItemFactors[i * weights.Stride + f] = (float)_v[i * k + f];
            }
        }
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double sum = 0;
        for (var f = 0; f < a.Length; f++)
        {
            sum += a[f] * b[f];
        }

        return sum;
    }
}
