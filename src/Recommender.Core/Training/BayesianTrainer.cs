using System.Diagnostics;
using Recommender.Core.Data;
using Recommender.Core.Model;
using Recommender.Core.Numerics;

namespace Recommender.Core.Training;

/// <summary>
/// Bayesian matrix factorization of the biased model by Gibbs sampling (Salakhutdinov &amp; Mnih 2008, "Bayesian
/// Probabilistic Matrix Factorization using Markov Chain Monte Carlo").
/// </summary>
/// <remarks>
/// <para><b>Model</b>: r_ui ~ N(μ + b_u + b_i + p_u·q_i, α⁻¹), μ the mean training rating. Each user's row
/// x_u = [p_u; b_u] and each item's row x_i = [q_i; b_i] (d = k + 1 values) has a Gaussian prior N(μ_U, Λ_U⁻¹),
/// respectively N(μ_I, Λ_I⁻¹), whose mean and precision have the Normal–Wishart hyperprior of the paper
/// (<see cref="NormalWishart"/>: μ₀ = 0, β₀ = 2, ν₀ = d, W₀ = I); the bias is one more coordinate of the row, so the
/// prior learns how biases and factors co-vary. The noise precision is sampled too: α ~ Gamma(1, 1) a priori. Full
/// Normal–Wishart rather than libFM's per-coordinate Gamma priors (Rendle 2013): a row's conditional is a full
/// d-dimensional Gaussian either way (its data term Σ x xᵀ is dense), so the full prior precision costs nothing more
/// per row, and it is the published BPMF.</para>
/// <para><b>Sweep</b> (block Gibbs): draw α | all rows from Gamma(1 + N/2, 1 + SSE/2); draw (μ_U, Λ_U) | user rows;
/// draw every user row | items, α, (μ_U, Λ_U); then the same for the items. A user row's conditional is Gaussian with
/// precision A = Λ_U + α Σ_i x̃_i x̃_iᵀ and mean A⁻¹(Λ_U μ_U + α Σ_i x̃_i (r_ui − μ − b_i)), x̃_i = [q_i; 1]: A = L Lᵀ
/// by Cholesky, and the draw is L⁻ᵀ(L⁻¹ b + z), z ~ N(0, I) — one forward and one back substitution.</para>
/// <para><b>Determinism</b>: every row draws from its own <see cref="RandomStream"/> derived from (seed, sweep, side, row),
/// the hyperparameters from streams of their own, and sums over rows run in a fixed order or in fixed chunks; so the
/// model depends on the seed only — the same for every thread count. Rows of one side are drawn in parallel on up to
/// <see cref="TrainingParameters.Threads"/> threads.</para>
/// <para><b>Prediction</b>: the posterior mean of r̂ is estimated by the average over <see cref="TrainingParameters.Samples"/>
/// samples S taken evenly from the sweeps after <see cref="TrainingParameters.BurnIn"/> (the last sweep is always one).
/// They are stored side by side, exactly: the model's user row is p̃_u = [p_u¹ … p_uˢ]/√S and its item row
/// q̃_i = [q_i¹ … q_iˢ]/√S, so p̃_u·q̃_i = (1/S) Σ_s p_uˢ·q_iˢ, and the biases are the averages of the samples'. The
/// served model has k·S factors (<see cref="TrainingParameters.MaxFactors"/> bounds the product); a query costs S times a
/// k-factor model's.</para>
/// <para><b>Initialisation</b>: every row's factors ~ N(0, σ²) (σ = <see cref="TrainingParameters.InitStandardDeviation"/>),
/// biases 0, Λ = I, μ = 0. No early stopping: a validation set only reports the RMSE of the average so far.</para>
/// <para><b>Reported per sweep</b>: the current sample's squared error Σ e² as the objective, and its train RMSE.</para>
/// </remarks>
internal sealed partial class BayesianTrainer(TrainingParameters parameters) : IFactorTrainer
{
    private const int UserSide = 0;
    private const int ItemSide = 1;
    private const int NoiseStream = 4;

    private TrainingParameters Parameters { get; } = parameters;

    public TrainingResult Fit(
        RatingDataset train,
        RatingDataset? validation = null,
        Action<EpochReport>? onEpoch = null,
        CancellationToken cancellationToken = default)
    {
        FactorTrainerBase.CheckInputs(train, validation);
        cancellationToken.ThrowIfCancellationRequested();
        var clock = Stopwatch.StartNew();
        var (k, d, samples) = (Parameters.Factors, Parameters.Factors + 1, Parameters.Samples);
        var users = train.Users.Count;
        var items = train.Items.Count;
        var byUser = SparseRows.Build(train.UserIndices, train.ItemIndices, train.Values, users);
        var byItem = SparseRows.Build(train.ItemIndices, train.UserIndices, train.Values, items);
        var userCounts = Counts(byUser);
        var itemCounts = Counts(byItem);
        var globalMean = train.Mean();
        var userRows = Initial(users, d, UserSide);
        var itemRows = Initial(items, d, ItemSide);
        var userPrior = new NormalWishart(d);
        var itemPrior = new NormalWishart(d);
        var final = new FactorWeights(users, items, k * samples, hasBiases: true) { GlobalMean = (float)globalMean };
        var userBiasSum = new double[users];
        var itemBiasSum = new double[items];
        var validationSum = validation is null ? null : new double[validation.Count];
        var stored = 0;

        var history = new List<EpochReport>(Parameters.Epochs);
        var epochTime = TimeSpan.Zero;
        var sse = SquaredError(byUser, userRows, itemRows, globalMean, d);
        for (var sweep = 1; sweep <= Parameters.Epochs; sweep++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var sweepStart = clock.Elapsed;
            var noiseStream = RandomStream.For(Parameters.Seed, sweep, NoiseStream, 0);
            var alpha = noiseStream.Gamma(1 + 0.5 * train.Count) / (1 + 0.5 * sse);
            var hyperStream = RandomStream.For(Parameters.Seed, sweep, NoiseStream + 1, UserSide);
            userPrior.Sample(userRows, userCounts, ref hyperStream);
            SampleSide(byUser, userRows, itemRows, userPrior, alpha, globalMean, sweep, UserSide);
            hyperStream = RandomStream.For(Parameters.Seed, sweep, NoiseStream + 1, ItemSide);
            itemPrior.Sample(itemRows, itemCounts, ref hyperStream);
            SampleSide(byItem, itemRows, userRows, itemPrior, alpha, globalMean, sweep, ItemSide);
            sse = SquaredError(byUser, userRows, itemRows, globalMean, d);
            if (IsStored(sweep))
            {
                Store(final, stored, userRows, itemRows, userBiasSum, itemBiasSum);
                stored++;
            }

            epochTime += clock.Elapsed - sweepStart;
            if (!double.IsFinite(sse))
            {
                throw new TrainingDivergedException(sweep, sse);
            }

            double? validationRmse = validation is null
                ? null
                : ValidationRmse(validation, validationSum!, userRows, itemRows, globalMean, d, IsStored(sweep), stored);
            var report = new EpochReport(sweep, sse, Math.Sqrt(sse / train.Count), validationRmse, 0, clock.Elapsed);
            history.Add(report);
            onEpoch?.Invoke(report);
        }

        for (var u = 0; u < users; u++)
        {
            final.UserBias[u] = (float)(userBiasSum[u] / samples);
        }

        for (var i = 0; i < items; i++)
        {
            final.ItemBias[i] = (float)(itemBiasSum[i] / samples);
        }

        final.ClearUntrained(userCounts, itemCounts);
        var model = FactorModel.Create(final, train.Users, train.Items, Parameters, userCounts, itemCounts, train);
        return new TrainingResult(model, history, Parameters.Epochs, (long)Parameters.Epochs * train.Count, clock.Elapsed, epochTime);
    }

    /// <summary>
    /// Whether <paramref name="sweep"/> is one of the S stored samples: sweeps B + ⌈s·(T − B)/S⌉ for s = 1 … S, T the
    /// sweeps and B the burn-in, so they are evenly spaced and the last sweep is always stored.
    /// </summary>
    internal bool IsStored(int sweep)
    {
        var kept = Parameters.Epochs - Parameters.BurnIn;
        var after = sweep - Parameters.BurnIn;
        if (after <= 0)
        {
            return false;
        }

        // #{s : ⌈s·kept/S⌉ ≤ a} = ⌊a·S/kept⌋, so sweep B + a is stored exactly when that count rises at a.
        long samples = Parameters.Samples;
        return after * samples / kept != (after - 1) * samples / kept;
    }

    private double[] Initial(int count, int d, int side)
    {
        var rows = new double[count * d];
        var sigma = Parameters.EffectiveInitStandardDeviation;
        for (var row = 0; row < count; row++)
        {
            var random = RandomStream.For(Parameters.Seed, 0, side, row);
            for (var f = 0; f < d - 1; f++)
            {
                rows[row * d + f] = sigma * random.Normal();
            }
        }

        return rows;
    }

    private static int[] Counts(SparseRows rows)
    {
        var counts = new int[rows.Count];
        for (var r = 0; r < rows.Count; r++)
        {
            counts[r] = rows.Offsets[r + 1] - rows.Offsets[r];
        }

        return counts;
    }
}
