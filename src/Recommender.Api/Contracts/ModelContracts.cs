using System.ComponentModel.DataAnnotations;
using System.Text.Json;

namespace Recommender.Api.Contracts;

/// <summary>The serving model and the trainer's state.</summary>
public sealed record ModelResponse
{
    /// <summary>The serving version; null while no model exists.</summary>
    /// <example>3</example>
    public required long? Version { get; init; }

    /// <example>2026-11-29T12:00:00+00:00</example>
    public required DateTimeOffset? TrainedAt { get; init; }

    /// <example>BiasedSgd</example>
    [AllowedValues("BiasedSgd", "Als", "Notebook", "Bayesian", "SvdPlusPlus", "Blend")]
    public required string? Algorithm { get; init; }

    /// <summary>The training parameters of the serving model.</summary>
    public required JsonElement? Parameters { get; init; }

    /// <summary>Users, items and ratings the serving model was trained on.</summary>
    public required ModelCounts? Counts { get; init; }

    /// <summary>Metrics on the seeded holdout.</summary>
    public required MetricsResponse? Metrics { get; init; }

    /// <summary>
    /// The serving version's audit note: where a model trained outside the service came from (an external batch), or
    /// who published it past the quality gate with force. Null when there is nothing to note.
    /// </summary>
    /// <example>null</example>
    public required string? Note { get; init; }

    /// <summary>
    /// The ranking model that decides what strategy=ranking recommends, its holdout metrics and popularity's on the
    /// same holdout; null for a version saved before ranking models existed.
    /// </summary>
    public required RankingResponse? Ranking { get; init; }

    /// <summary>
    /// The hyperparameter search whose winner the serving version trained with (Training:Tune); null when it trained
    /// with the configured parameters.
    /// </summary>
    public required TuningResponse? Tuning { get; init; }

    /// <summary>
    /// The version an activation pinned: automatic training runs leave it serving until a manual retrain publishes or
    /// DELETE /api/model/pin. Null when nothing is pinned.
    /// </summary>
    /// <example>null</example>
    public required long? PinnedVersion { get; init; }

    /// <summary>
    /// Users whose ratings changed since the serving model's data: each is folded in on their next query, or answered
    /// 404 when the store no longer has them (deleted since).
    /// </summary>
    /// <example>0</example>
    public required int FoldedInUsers { get; init; }

    /// <summary>What the background trainer is doing and how its last run ended.</summary>
    public required TrainingStateResponse Training { get; init; }

    /// <summary>The serving version's training history, one entry per epoch.</summary>
    public required IReadOnlyList<EpochResponse> History { get; init; }
}

/// <summary>Sizes of a model.</summary>
public sealed record ModelCounts
{
    /// <example>4</example>
    public required int Users { get; init; }

    /// <example>12</example>
    public required int Items { get; init; }

    /// <example>40</example>
    public required int Ratings { get; init; }
}

/// <summary>Holdout metrics.</summary>
public sealed record MetricsResponse
{
    /// <example>0.91</example>
    public required double Rmse { get; init; }

    /// <example>0.72</example>
    public required double Mae { get; init; }

    /// <example>0.05</example>
    public required double PrecisionAt10 { get; init; }

    /// <example>0.12</example>
    public required double RecallAt10 { get; init; }

    /// <example>0.08</example>
    public required double NdcgAt10 { get; init; }

    /// <example>4</example>
    public required int TestCount { get; init; }
}

/// <summary>What the background trainer is doing and how its last run ended.</summary>
public sealed record TrainingStateResponse
{
    /// <summary>"running" or "idle"; "queued" in the answer to a retrain that waits for the trainer.</summary>
    /// <example>idle</example>
    [AllowedValues("running", "idle", "queued")]
    public required string State { get; init; }

    /// <summary>When the last run started; null before the first.</summary>
    public required DateTimeOffset? LastStartedAt { get; init; }

    /// <summary>When the last run ended; null before the first has ended.</summary>
    public required DateTimeOffset? LastFinishedAt { get; init; }

    /// <summary>published, skipped, rejected or failed.</summary>
    /// <example>published</example>
    [AllowedValues("published", "skipped", "rejected", "failed")]
    public required string? LastOutcome { get; init; }

    /// <summary>Why the last failed or rejected run did not publish.</summary>
    /// <example>null</example>
    public required string? LastError { get; init; }
}

/// <summary>One epoch of training history.</summary>
public sealed record EpochResponse
{
    /// <example>1</example>
    public required int Epoch { get; init; }

    /// <example>120.5</example>
    public required double Objective { get; init; }

    /// <example>1.02</example>
    public required double TrainRmse { get; init; }

    /// <example>1.1</example>
    public required double? ValidationRmse { get; init; }

    /// <example>0.01</example>
    public required double ElapsedSeconds { get; init; }
}

/// <summary>A training run and the version it produced.</summary>
public sealed record ModelVersionResponse
{
    /// <example>3</example>
    public required long Version { get; init; }

    /// <example>2026-11-29T12:00:00+00:00</example>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <example>BiasedSgd</example>
    [AllowedValues("BiasedSgd", "Als", "Notebook", "Bayesian", "SvdPlusPlus", "Blend")]
    public required string Algorithm { get; init; }

    /// <summary>active, kept (can be activated), pruned, rejected or failed.</summary>
    /// <example>active</example>
    [AllowedValues("active", "kept", "pruned", "rejected", "failed")]
    public required string State { get; init; }

    /// <summary>The run's training parameters.</summary>
    public required JsonElement? Parameters { get; init; }

    /// <summary>Metrics on the run's seeded holdout; null when it had none or they were not finite.</summary>
    public required MetricsResponse? Metrics { get; init; }

    /// <summary>The version's ranking model, its holdout metrics and popularity's; null for runs without one.</summary>
    public required RankingResponse? Ranking { get; init; }

    /// <summary>Why the run was rejected or failed, or why its snapshot can no longer be served.</summary>
    /// <example>null</example>
    public required string? Error { get; init; }

    /// <summary>
    /// Audit note: where a model trained outside the service came from (its external batch), and who published this
    /// version past the quality gate with force, and what the gate said.
    /// </summary>
    /// <example>null</example>
    public required string? Note { get; init; }

    /// <example>40</example>
    public required int RatingCount { get; init; }

    /// <example>0.05</example>
    public required double FitSeconds { get; init; }
}

/// <summary>A hyperparameter search: k-fold cross-validation of a small grid on the training ratings only.</summary>
public sealed record TuningResponse
{
    /// <example>2026-11-29T12:00:00+00:00</example>
    public required DateTimeOffset RanAt { get; init; }

    /// <summary>The version whose training run ran the search (earlier than the serving one when a daily search is reused).</summary>
    /// <example>3</example>
    public required long RanInVersion { get; init; }

    /// <example>3</example>
    public required int Folds { get; init; }

    /// <summary>Ratings the search cross-validated on: the training part, without the holdout.</summary>
    /// <example>36</example>
    public required int Ratings { get; init; }

    /// <example>12.5</example>
    public required double Seconds { get; init; }

    /// <summary>True when Training:TuneBudget stopped the search before every setting was scored.</summary>
    /// <example>false</example>
    public required bool TimedOut { get; init; }

    /// <summary>The winning parameters.</summary>
    public required JsonElement Winner { get; init; }

    /// <summary>Every setting in the order tried, the configured one first.</summary>
    public required IReadOnlyList<TuningCandidateResponse> Candidates { get; init; }
}

/// <summary>One setting of a search and its score.</summary>
public sealed record TuningCandidateResponse
{
    /// <example>128</example>
    public required int Factors { get; init; }

    /// <example>0.07</example>
    public required double Regularization { get; init; }

    /// <summary>Posterior samples (Bayesian only; 1 otherwise).</summary>
    /// <example>1</example>
    public required int Samples { get; init; }

    /// <summary>Mean held-out RMSE over the folds; null when not scored.</summary>
    /// <example>0.86</example>
    public required double? Rmse { get; init; }

    /// <example>0.01</example>
    public required double? RmseStdDev { get; init; }

    /// <example>1.5</example>
    public required double Seconds { get; init; }

    /// <summary>Why the setting was not scored (the time box, divergence), or null.</summary>
    /// <example>null</example>
    public required string? Skipped { get; init; }

    /// <summary>True for the winner.</summary>
    /// <example>false</example>
    public required bool Chosen { get; init; }
}

/// <summary>A version's ranking model and how it ranked the holdout, beside popularity.</summary>
public sealed record RankingResponse
{
    /// <summary>"ease", "implicit-als" or "popularity".</summary>
    /// <example>ease</example>
    [AllowedValues("ease", "implicit-als", "popularity")]
    public required string Algorithm { get; init; }

    /// <summary>The ranking model's parameters.</summary>
    public required JsonElement Parameters { get; init; }

    /// <summary>The ranking model's metrics on the holdout (null without a holdout).</summary>
    public required RankingMetricsResponse? Metrics { get; init; }

    /// <summary>What recommending the most popular items scores on the same holdout, for reference.</summary>
    public required RankingMetricsResponse? Popularity { get; init; }
}

/// <summary>Top-10 quality on the holdout: every trained item a user did not rate is a candidate; relevant = rated ≥ 4.</summary>
public sealed record RankingMetricsResponse
{
    /// <example>0.24</example>
    public required double PrecisionAt10 { get; init; }

    /// <example>0.23</example>
    public required double RecallAt10 { get; init; }

    /// <example>0.33</example>
    public required double NdcgAt10 { get; init; }

    /// <summary>Holdout users with a relevant item, over whom the metrics are averaged.</summary>
    /// <example>593</example>
    public required int Users { get; init; }
}
