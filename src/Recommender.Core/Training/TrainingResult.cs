using Recommender.Core.Model;

namespace Recommender.Core.Training;

/// <summary>The outcome of one training run.</summary>
/// <param name="Model">The trained snapshot (the best epoch's when early stopping was used).</param>
/// <param name="History">One report per epoch run.</param>
/// <param name="BestEpoch">The epoch whose parameters the model holds.</param>
/// <param name="Updates">Number of per-rating SGD updates (ALS: per-rating terms accumulated into normal equations).</param>
/// <param name="Elapsed">Wall time of the run.</param>
public sealed record TrainingResult(
    FactorModel Model,
    IReadOnlyList<EpochReport> History,
    int BestEpoch,
    long Updates,
    TimeSpan Elapsed)
{
    /// <summary>Updates per second of wall time.</summary>
    public double UpdatesPerSecond => Elapsed.TotalSeconds > 0 ? Updates / Elapsed.TotalSeconds : 0;
}
