using Recommender.Core.Data;
using Recommender.Core.Model;
using Recommender.Core.Numerics;

namespace Recommender.Core.Training;

/// <summary>
/// Biased matrix factorization by stochastic gradient descent — the default algorithm.
/// </summary>
/// <remarks>
/// <para><b>Model</b> (Koren, Bell &amp; Volinsky 2009): r̂_ui = μ + b_u + b_i + p_u·q_i, μ the mean training rating.</para>
/// <para><b>Objective</b>: Σ_(u,i) e_ui² + λ(‖P‖² + ‖Q‖²) + λ_b(‖b_u‖² + ‖b_i‖²), with e_ui = r_ui − r̂_ui.
/// The reported objective and train RMSE use each rating's error measured just before its update (as LIBMF
/// reports), which costs no extra pass.</para>
/// <para><b>Update</b> (Funk 2006), for each rating in a fresh seeded random order every epoch, with α_t = α·decay^(t−1):
/// b_u ← b_u + α_t(e − λ_b b_u); b_i ← b_i + α_t(e − λ_b b_i);
/// p_u ← p_u + α_t(e q_i − λ p_u) and q_i ← q_i + α_t(e p_u − λ q_i) simultaneously.</para>
/// <para><b>Initialisation</b>: factors ~ N(0, σ²) with σ = <see cref="TrainingParameters.InitStandardDeviation"/>; biases 0.</para>
/// <para><b>Defaults</b>: see <see cref="TrainingParameters.For"/>.</para>
/// </remarks>
internal sealed class BiasedSgdTrainer(TrainingParameters parameters) : FactorTrainerBase(parameters)
{
    protected override bool HasBiases => true;

    protected override void Initialize(FactorWeights weights, Gaussian gaussian)
    {
        var sigma = Parameters.EffectiveInitStandardDeviation;
        gaussian.FillRows(weights.UserFactors, weights.Users, weights.Factors, weights.Stride, sigma);
        gaussian.FillRows(weights.ItemFactors, weights.Items, weights.Factors, weights.Stride, sigma);
    }

    protected override Func<float, (double Objective, double TrainRmse)> Prepare(
        RatingDataset train, FactorWeights weights, int[] userCounts, int[] itemCounts, Random random)
    {
        var order = new int[train.Count];
        for (var n = 0; n < order.Length; n++)
        {
            order[n] = n;
        }

        return learningRate =>
        {
            random.Shuffle(order);
            var sse = RunEpoch(train, weights, order, learningRate, Parameters.Regularization, Parameters.BiasRegularization);
            var objective = sse
                + Parameters.Regularization * (SquaredNorm(weights.UserFactors) + SquaredNorm(weights.ItemFactors))
                + Parameters.BiasRegularization * (SquaredNorm(weights.UserBias) + SquaredNorm(weights.ItemBias));
            return (objective, Math.Sqrt(sse / train.Count));
        };
    }

    private static double RunEpoch(RatingDataset train, FactorWeights weights, int[] order, float learningRate, float lambda, float biasLambda)
    {
        var users = train.UserIndices;
        var items = train.ItemIndices;
        var values = train.Values;
        var userBias = weights.UserBias;
        var itemBias = weights.ItemBias;
        var userFactors = weights.UserFactors.AsSpan();
        var itemFactors = weights.ItemFactors.AsSpan();
        var stride = weights.Stride;
        var mu = weights.GlobalMean;
        double sse = 0;
        foreach (var n in order)
        {
            var u = users[n];
            var i = items[n];
            var p = userFactors.Slice(u * stride, stride);
            var q = itemFactors.Slice(i * stride, stride);
            var error = values[n] - (mu + userBias[u] + itemBias[i] + VectorMath.Dot(p, q));
            sse += error * error;
            userBias[u] += learningRate * (error - biasLambda * userBias[u]);
            itemBias[i] += learningRate * (error - biasLambda * itemBias[i]);
            SgdKernel.Update(p, q, error, learningRate, lambda);
        }

        return sse;
    }
}
