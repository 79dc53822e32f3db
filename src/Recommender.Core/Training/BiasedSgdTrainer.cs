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
/// the grid's strata in a fresh seeded order (Gemulla et al. 2011), which fixes the order of the blocks in every user
/// band and every item band, and <see cref="DataflowSchedule"/> runs each block on any of up to
/// <see cref="TrainingParameters.Threads"/> threads as soon as the blocks before it in its two bands are done
/// (FPSGD's block grid, Zhuang et al. 2013, without its timing-dependent order). The model depends on the seed and the
/// grid size only: the same for any thread count up to four (<see cref="BlockGrid.SizeFor"/>).</para>
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

    protected override EpochRunner Prepare(
        RatingDataset train, FactorWeights weights, int[] userCounts, int[] itemCounts, Random random)
    {
        var threads = Parameters.EffectiveThreads;
        var grid = BlockGrid.Build(train, BlockGrid.SizeFor(threads), random);
        var work = Relabel(weights, grid);
        var schedule = new DataflowSchedule(grid, threads);
        return new EpochRunner(
            learningRate =>
            {
                var step = new SgdStep(work, learningRate, Parameters.Regularization, Parameters.BiasRegularization);
                var (sse, penalty) = schedule.RunEpoch(
                    random,
                    (start, end) => step.Run(grid.Users, grid.Items, grid.Values, start, end),
                    (userBand, itemBand) => Penalty(work, grid.UserBand(userBand), grid.ItemBand(itemBand)));
                return (sse + penalty, Math.Sqrt(sse / train.Count));
            },
            () => CopyBack(work, weights, grid),
            schedule.Dispose);
    }

    /// <summary>λ(‖P‖² + ‖Q‖²) + λ_b(‖b_u‖² + ‖b_i‖²) over one band of users and one band of items.</summary>
    private double Penalty(FactorWeights work, (int Start, int Length) users, (int Start, int Length) items)
    {
        var factors = SquaredNorm(work.UserFactors.AsSpan(users.Start * work.Stride, users.Length * work.Stride))
            + SquaredNorm(work.ItemFactors.AsSpan(items.Start * work.Stride, items.Length * work.Stride));
        var biases = SquaredNorm(work.UserBias.AsSpan(users.Start, users.Length)) + SquaredNorm(work.ItemBias.AsSpan(items.Start, items.Length));
        return Parameters.Regularization * factors + Parameters.BiasRegularization * biases;
    }

    /// <summary>The weights in the grid's row order (each band's rows contiguous).</summary>
    private static FactorWeights Relabel(FactorWeights weights, BlockGrid grid)
    {
        var work = new FactorWeights(weights.Users, weights.Items, weights.Factors, weights.HasBiases) { GlobalMean = weights.GlobalMean };
        for (var n = 0; n < grid.UserOrder.Length; n++)
        {
            weights.UserRow(grid.UserOrder[n]).CopyTo(work.UserRow(n));
            work.UserBias[n] = weights.UserBias[grid.UserOrder[n]];
        }

        for (var n = 0; n < grid.ItemOrder.Length; n++)
        {
            weights.ItemRow(grid.ItemOrder[n]).CopyTo(work.ItemRow(n));
            work.ItemBias[n] = weights.ItemBias[grid.ItemOrder[n]];
        }

        return work;
    }

    private static void CopyBack(FactorWeights work, FactorWeights weights, BlockGrid grid)
    {
        for (var n = 0; n < grid.UserOrder.Length; n++)
        {
            work.UserRow(n).CopyTo(weights.UserRow(grid.UserOrder[n]));
            weights.UserBias[grid.UserOrder[n]] = work.UserBias[n];
        }

        for (var n = 0; n < grid.ItemOrder.Length; n++)
        {
            work.ItemRow(n).CopyTo(weights.ItemRow(grid.ItemOrder[n]));
            weights.ItemBias[grid.ItemOrder[n]] = work.ItemBias[n];
        }
    }
}
