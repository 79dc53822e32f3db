using Recommender.Core.Model;

namespace Recommender.Core.Training;

/// <summary>The outcome of one training run.</summary>
/// <param name="Model">The trained snapshot (the best epoch's when early stopping was used).</param>
/// <param name="History">One report per epoch run.</param>
/// <param name="BestEpoch">The epoch whose parameters the model holds.</param>
/// <param name="Updates">Number of per-rating SGD updates (ALS and the Gibbs sampler: per-rating terms accumulated into
/// the rows' normal equations, counted once per rating and epoch).</param>
/// <param name="Elapsed">Wall time of the whole run: set-up, initialisation, epochs, validation and the snapshot.</param>
/// <param name="EpochTime">Wall time inside the epochs' update passes only (what LIBMF's throughput figures count).</param>
public sealed record TrainingResult(
    FactorModel Model,
    IReadOnlyList<EpochReport> History,
    int BestEpoch,
    long Updates,
    TimeSpan Elapsed,
    TimeSpan EpochTime)
{
    /// <summary>Updates per second of epoch time.</summary>
    public double UpdatesPerSecond => EpochTime.TotalSeconds > 0 ? Updates / EpochTime.TotalSeconds : 0;

    /// <summary>Epochs (for <see cref="Algorithm.Bayesian"/>, Gibbs sweeps) per second of epoch time.</summary>
    public double EpochsPerSecond => EpochTime.TotalSeconds > 0 ? History.Count / EpochTime.TotalSeconds : 0;
}
