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
/// <para><b>Update</b> (Funk 2006), for each rating, with α_t = α·decay^(t−1):
/// b_u ← b_u + α_t(e − λ_b b_u); b_i ← b_i + α_t(e − λ_b b_i);
/// p_u ← p_u + α_t(e q_i − λ p_u) and q_i ← q_i + α_t(e p_u − λ q_i) simultaneously.</para>
/// <para><b>Order and parallelism</b>: the ratings are regrouped into a seeded <see cref="BlockGrid"/>; each epoch visits
/// the grid's strata in a fresh seeded order, and the blocks of a stratum — which share no user and no item — run
/// on up to <see cref="TrainingParameters.Threads"/> threads (Zhuang et al. 2013; Gemulla et al. 2011). The model
/// depends on the seed only, never on the thread count.</para>
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
        var threads = Parameters.EffectiveThreads;
        var grid = BlockGrid.Build(train, BlockGrid.SizeFor(threads), random);
        var size = grid.Size;
        var strata = new int[size];
        var blockErrors = new double[size];
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads };
        return learningRate =>
        {
            for (var s = 0; s < size; s++)
            {
                strata[s] = s;
            }

            random.Shuffle(strata);
            var step = new SgdStep(weights, learningRate, Parameters.Regularization, Parameters.BiasRegularization);
            double sse = 0;
            foreach (var stratum in strata)
            {
                if (threads == 1)
                {
                    for (var b = 0; b < size; b++)
                    {
                        blockErrors[b] = RunBlock(grid, b, stratum, step);
                    }
                }
                else
                {
                    Parallel.For(0, size, options, b => blockErrors[b] = RunBlock(grid, b, stratum, step));
                }

                foreach (var error in blockErrors)
                {
                    sse += error;
                }
            }

            var objective = sse
                + Parameters.Regularization * (SquaredNorm(weights.UserFactors) + SquaredNorm(weights.ItemFactors))
                + Parameters.BiasRegularization * (SquaredNorm(weights.UserBias) + SquaredNorm(weights.ItemBias));
            return (objective, Math.Sqrt(sse / train.Count));
        };
    }

    private static double RunBlock(BlockGrid grid, int row, int stratum, in SgdStep step)
    {
        var block = row * grid.Size + (row + stratum) % grid.Size;
        return step.Run(grid.Users, grid.Items, grid.Values, grid.Starts[block], grid.Starts[block + 1]);
    }
}
