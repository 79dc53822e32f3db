using Recommender.Api.Telemetry;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;
using Npgsql;
using Recommender.Api.Cluster;
using Recommender.Api.Options;
using Recommender.Core.Model;
using Recommender.Core.Ranking;
using Recommender.Core.Training;
using Recommender.Data;
using Recommender.Data.Entities;

namespace Recommender.Api.Training;

/// <summary>What a training run measured for the quality gate.</summary>
/// <param name="Holdout">The candidate's metrics on the run's holdout (null without a holdout).</param>
/// <param name="Comparable">
/// The holdout ratings the serving model did not train on (written since), on which both models are scored: like
/// against like, whatever the data did since the serving model was trained.
/// </param>
/// <param name="CandidateRmse">The candidate's RMSE on <paramref name="Comparable"/> ratings.</param>
/// <param name="ServingRmse">The serving model's RMSE on the same ratings.</param>
public sealed record GateEvidence(ModelMetrics? Holdout, int Comparable, double CandidateRmse, double ServingRmse)
{
    /// <summary>Fewer ratings than this are too noisy to compare RMSE on (and fewer unseen ones mean the data barely changed).</summary>
    public const int MinComparable = 100;

    public static readonly GateEvidence None = new(null, 0, double.NaN, double.NaN);
}

/// <summary>What a training run measured of its ranking model for the quality gate.</summary>
/// <param name="Holdout">The candidate ranking model's metrics on the run's holdout.</param>
/// <param name="ComparableUsers">
/// Holdout users with relevant ratings (≥ 4) the serving ranking model did not train on; both models rank for them
/// from the same ratings.
/// </param>
/// <param name="CandidateNdcg">The candidate's NDCG@10 over those users.</param>
/// <param name="ServingNdcg">The serving ranking model's NDCG@10 over those users.</param>
public sealed record RankingEvidence(RankingMetrics? Holdout, int ComparableUsers, double CandidateNdcg, double ServingNdcg)
{
    /// <summary>Fewer users than this are too noisy to compare NDCG on.</summary>
    public const int MinComparableUsers = 50;

    public static readonly RankingEvidence None = new(null, 0, double.NaN, double.NaN);
}

/// <summary>A trained version offered for publication, with what its version record and the gate need.</summary>
/// <param name="Model">The rating model, stamped with its version, time and holdout metrics.</param>
/// <param name="Ranking">The ranking model of the same version, stamped likewise.</param>
/// <param name="DataVersion">The store's data version the run trained on.</param>
/// <param name="LoadedSequence">The fresh-user sequence read before the ratings were loaded.</param>
/// <param name="TrainedAgainst">The serving model when the run began: the gate compared against it.</param>
/// <param name="Evidence">What the run measured of the rating model for the gate.</param>
/// <param name="RankingEvidence">What the run measured of the ranking model for the gate.</param>
/// <param name="Record">The run's sizes, history and duration.</param>
/// <param name="Reason">Why the run ran; a manual run that publishes ends a pin.</param>
/// <param name="ForcedBy">The API key name that asked to publish past the gate, or null.</param>
/// <param name="Note">What the version row's note says of where the model came from, or null.</param>
/// <param name="ExternalBatchId">
/// The external batch the model was built from, or null: its ready row records the outcome in the same transaction as
/// the version row, and a batch another trainer already took is not published again.
/// </param>
public sealed record PublishCandidate(
    FactorModel Model,
    RankingModel Ranking,
    long DataVersion,
    long LoadedSequence,
    ServingModel? TrainedAgainst,
    GateEvidence Evidence,
    RankingEvidence RankingEvidence,
    RunRecord Record,
    TrainingReason Reason,
    string? ForcedBy,
    string? Note = null,
    string? ExternalBatchId = null);

/// <summary>The sizes, history and duration of a run, and popularity's holdout metrics, as its version row records them.</summary>
public sealed record RunRecord(
    int Ratings, int Users, int Items, IReadOnlyList<EpochReport> History, double FitSeconds, RankingMetrics? Popularity, TuningRecord? Tuning = null);

/// <summary>A version's ranking model as its row stores it: algorithm, parameters, holdout metrics, and popularity's.</summary>
public sealed record RankingRecord(RankingAlgorithm Algorithm, RankingParameters Parameters, RankingMetrics? Metrics, RankingMetrics? Popularity);

/// <summary>
/// The one place a model becomes the serving model: a trained candidate (gate, snapshot, warm-up, version state,
/// swap), an activated version (pin, rebase, swap) and the snapshot served at start-up. Publications are serialised by
/// <see cref="ModelStore.PublishGate"/>, held only for the state change and the swap — never while a model trains or
/// loads — so an activation answers at once whatever the trainer is doing.
/// </summary>
public sealed partial class ModelPublisher(
    IDbContextFactory<RecommenderDbContext> dbFactory,
    ModelStore store,
    SnapshotStore snapshots,
    Cluster.SnapshotCache snapshotCache,
    FreshUsers freshUsers,
    IOptions<TrainingOptions> trainingOptions,
    IOptions<RankingOptions> rankingOptions,
    IOptions<ModelOptions> modelOptions,
    IOptions<NodeOptions> nodeOptions,
    TrainerLease lease,
    ClusterDatabase cluster,
    ILogger<ModelPublisher> logger)
{
    private bool Clustered => nodeOptions.Value.Clustered;

    /// <summary>Gates <paramref name="candidate"/> and, when it passes, makes it the serving model.</summary>
    public async Task<(TrainingOutcome Outcome, string? Error)> PublishTrainedAsync(
        PublishCandidate candidate, int warmThreads, CancellationToken cancellationToken)
    {
        var model = candidate.Model;
        var note = candidate.Note;
        string? rejection;
        using (var gate = RecommenderTelemetry.Source.StartActivity("training.gate"))
        {
            rejection = Gate(candidate);
            gate?.SetTag("recommender.gate.passed", rejection is null);
        }

        if (rejection is not null && candidate.ForcedBy is { } forcedBy && model.IsFinite && candidate.Ranking.IsFinite)
        {
            note = $"{(note is null ? "" : note + " ")}Published with force by '{forcedBy}'; the gate said: {rejection}";
            logger.LogWarning("Version {Version} published past the quality gate with force by {Key}: {Reason}", model.Version, forcedBy, rejection);
            rejection = null;
        }

        if (rejection is not null)
        {
            logger.LogWarning("Version {Version} rejected: {Reason}", model.Version, rejection);
            await RecordAsync(candidate, ModelState.Rejected, rejection, candidate.Note, cancellationToken);
            return (TrainingOutcome.Rejected, rejection);
        }

        using var publish = RecommenderTelemetry.Source.StartActivity("training.publish");
        snapshots.Save(model, candidate.Ranking);
        if (Clustered && await ShareSnapshotAsync(model.Version, cancellationToken) is { } unshared)
        {
            snapshots.Delete(model.Version);
            return (TrainingOutcome.Rejected, unshared);
        }

        var serving = new ServingModel(model, candidate.DataVersion, candidate.Ranking);
        await Task.Run(() => serving.Warm(warmThreads, cancellationToken), cancellationToken);
        await store.PublishGate.WaitAsync(cancellationToken);
        try
        {
            if (!ReferenceEquals(store.Current, candidate.TrainedAgainst))
            {
                // An administrator activated a version while this run trained: that choice is newer than this run.
                var superseded = $"Version {store.Current?.Model.Version} was activated while this run trained; this run was not published.";
                logger.LogWarning("Version {Version} not published: {Reason}", model.Version, superseded);
                snapshots.Delete(model.Version);
                await RecordAsync(candidate, ModelState.Rejected, superseded, candidate.Note, cancellationToken);
                return (TrainingOutcome.Rejected, superseded);
            }

            var unpin = candidate.Reason == TrainingReason.Manual;
            if (!Clustered)
            {
                await RecordAsync(candidate, ModelState.Active, null, note, cancellationToken, unpin);
            }
            else if (!await lease.InTransactionAsync(
                async (db, transaction, epoch) =>
                    await ClusterStore.MoveCurrentAsync((NpgsqlConnection)db.Database.GetDbConnection(), transaction, model.Version, epoch, cancellationToken)
                    && await WriteRecordAsync(db, candidate, ModelState.Active, null, note, cancellationToken, unpin),
                cancellationToken))
            {
                // Fenced: the lock was lost (another trainer may hold it now), or a newer version is already current.
                var fenced = $"Version {model.Version} was not published: this trainer no longer holds the trainer lock, or a newer version is current.";
                logger.LogWarning("{Reason}", fenced);
                return (TrainingOutcome.Rejected, fenced);
            }

            store.Publish(serving);
            if (unpin)
            {
                store.PinnedVersion = null;
            }

            freshUsers.Published(candidate.LoadedSequence);
        }
        finally
        {
            store.PublishGate.Release();
        }

        logger.LogInformation(
            "Published version {Version} in {Seconds:F2} s: holdout RMSE {Rmse:F4}; ranking {Algorithm} NDCG@10 {Ndcg:F4}",
            model.Version, candidate.Record.FitSeconds, model.Metrics?.Rmse, candidate.Ranking.Algorithm, candidate.Ranking.Metrics?.NdcgAt10);
        await PruneAsync(cancellationToken);
        return (TrainingOutcome.Published, null);
    }

    /// <summary>Why <paramref name="candidate"/> must not serve, or null.</summary>
    private string? Gate(PublishCandidate candidate) => RatingGate(candidate) ?? RankingGate(candidate);

    /// <summary>Why the ranking model must not serve, or null: NDCG@10 compared like with like, as RMSE is.</summary>
    private string? RankingGate(PublishCandidate candidate)
    {
        if (!candidate.Ranking.IsFinite)
        {
            return "The trained ranking model has non-finite weights.";
        }

        var evidence = candidate.RankingEvidence;
        var limit = rankingOptions.Value.MaxNdcgRegression;
        if (evidence.ComparableUsers >= RankingEvidence.MinComparableUsers)
        {
            return evidence.CandidateNdcg < evidence.ServingNdcg - limit
                ? $"For the {evidence.ComparableUsers} holdout users with ratings the serving ranking model has not seen, NDCG@10 {evidence.CandidateNdcg:F4} is below the serving model's {evidence.ServingNdcg:F4} by more than {limit} (Ranking:MaxNdcgRegression)."
                : null;
        }

        return evidence.Holdout is { Users: >= RankingEvidence.MinComparableUsers } holdout
            && candidate.TrainedAgainst?.Ranking?.Metrics is { Users: >= RankingEvidence.MinComparableUsers } serving
            && holdout.NdcgAt10 < serving.NdcgAt10 - limit
            ? $"Holdout NDCG@10 {holdout.NdcgAt10:F4} of the ranking model is below the serving one's {serving.NdcgAt10:F4} by more than {limit} (Ranking:MaxNdcgRegression)."
            : null;
    }

    /// <summary>Why the rating model must not serve, or null.</summary>
    private string? RatingGate(PublishCandidate candidate)
    {
        var model = candidate.Model;
        if (!model.IsFinite)
        {
            return "The trained model has non-finite parameters.";
        }

        var evidence = candidate.Evidence;
        if (evidence.Holdout is { } metrics && !(double.IsFinite(metrics.Rmse) && double.IsFinite(metrics.Mae)))
        {
            return "The holdout metrics are not finite.";
        }

        var limit = trainingOptions.Value.MaxRmseRegression;
        if (evidence.Comparable >= GateEvidence.MinComparable)
        {
            return evidence.CandidateRmse > evidence.ServingRmse + limit
                ? $"On the {evidence.Comparable} holdout ratings the serving model has not seen, RMSE {evidence.CandidateRmse:F4} is worse than the serving model's {evidence.ServingRmse:F4} by more than {limit} (Training:MaxRmseRegression)."
                : null;
        }

        // The data has barely changed since the serving model: its own holdout RMSE is measured on the same kind of data.
        // A holdout of a few ratings says nothing either way (the notebook's demo holds out four).
        return evidence.Holdout is { TestCount: >= GateEvidence.MinComparable } holdout
            && candidate.TrainedAgainst?.Model.Metrics is { TestCount: >= GateEvidence.MinComparable } serving
            && holdout.Rmse > serving.Rmse + limit
            ? $"Holdout RMSE {holdout.Rmse:F4} is worse than the serving model's {serving.Rmse:F4} by more than {limit} (Training:MaxRmseRegression)."
            : null;
    }

    private async Task RecordAsync(
        PublishCandidate candidate, ModelState state, string? error, string? note, CancellationToken cancellationToken, bool unpin = false)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await WriteRecordAsync(db, candidate, state, error, note, cancellationToken, unpin);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Records a run's version row (and, for an active one, the state change) in <paramref name="db"/>'s transaction.</summary>
    private static async Task<bool> WriteRecordAsync(
        RecommenderDbContext db, PublishCandidate candidate, ModelState state, string? error, string? note, CancellationToken cancellationToken, bool unpin)
    {
        var model = candidate.Model;
        if (state == ModelState.Active)
        {
            await db.ModelVersions.Where(v => v.State == ModelState.Active)
                .ExecuteUpdateAsync(s => s.SetProperty(v => v.State, ModelState.Kept), cancellationToken);
            if (unpin)
            {
                await db.SetPinnedVersionAsync(null, cancellationToken);
            }
        }

        var row = new ModelVersion
        {
            Version = model.Version,
            CreatedAt = model.TrainedAt.ToUnixTimeMilliseconds(),
            Algorithm = model.Parameters.Algorithm.ToString(),
            Parameters = JsonSerializer.Serialize(model.Parameters, StoreJson.Options),
            Metrics = model.Metrics is null ? null : JsonSerializer.Serialize(model.Metrics, StoreJson.Options),
            Ranking = JsonSerializer.Serialize(
                new RankingRecord(candidate.Ranking.Algorithm, candidate.Ranking.Parameters, candidate.Ranking.Metrics, candidate.Record.Popularity), StoreJson.Options),
            State = state,
            Error = error,
            Note = note,
            Tuning = candidate.Record.Tuning is null ? null : JsonSerializer.Serialize(candidate.Record.Tuning, StoreJson.Options),
            DataVersion = candidate.DataVersion,
            RatingCount = candidate.Record.Ratings,
            UserCount = candidate.Record.Users,
            ItemCount = candidate.Record.Items,
            FitSeconds = candidate.Record.FitSeconds,
        };
        row.Epochs.AddRange(candidate.Record.History.Select(r => new TrainingEpoch
        {
            Epoch = r.Epoch,
            Objective = r.Objective,
            TrainRmse = r.TrainRmse,
            ValidationRmse = r.ValidationRmse,
            ElapsedSeconds = r.Elapsed.TotalSeconds,
        }));
        db.ModelVersions.Add(row);
        await db.SaveChangesAsync(cancellationToken);
        if (candidate.ExternalBatchId is not { } batch)
        {
            return true;
        }

        // The batch's ready row records the outcome with the version row; a batch no longer ready was taken already.
        var published = state == ModelState.Active;
        return await ExternalModelStore.FinishAsync(
            (NpgsqlConnection)db.Database.GetDbConnection(),
            (NpgsqlTransaction?)db.Database.CurrentTransaction?.GetDbTransaction(),
            batch,
            published ? ExternalBatchState.Published : ExternalBatchState.Rejected,
            published ? null : error,
            model.Version,
            cancellationToken) || !published;
    }

    /// <summary>
    /// A trainer node's step before the pointer moves: checks that it still holds the trainer lock and stores the
    /// snapshot in PostgreSQL, where every node reads it. Why it must not publish, or null.
    /// </summary>
    private async Task<string?> ShareSnapshotAsync(long version, CancellationToken cancellationToken)
    {
        if (!await lease.CheckAsync(cancellationToken))
        {
            var fenced = $"Version {version} was not published: this trainer no longer holds the trainer lock.";
            logger.LogWarning("{Reason}", fenced);
            return fenced;
        }

        await using var connection = await cluster.OpenAsync(cancellationToken);
        var header = await ClusterStore.SaveSnapshotAsync(connection, version, snapshots.PathOf(version), cancellationToken);
        logger.LogInformation("Stored the snapshot of version {Version} in the store: {Bytes} bytes, SHA-256 {Checksum}", version, header.Length, header.Checksum);
        await snapshotCache.StoreAsync(snapshots.PathOf(version), header.Checksum, cancellationToken);
        return null;
    }

    /// <summary>Keeps the newest <see cref="ModelOptions.KeepVersions"/> published snapshots and the active one.</summary>
    private async Task PruneAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var stale = await db.ModelVersions
            .Where(v => v.State == ModelState.Kept)
            .OrderByDescending(v => v.Version)
            .Skip(Math.Max(0, modelOptions.Value.KeepVersions - 1))
            .ToListAsync(cancellationToken);
        foreach (var version in stale)
        {
            snapshots.Delete(version.Version);
            version.State = ModelState.Pruned;
        }

        await db.SaveChangesAsync(cancellationToken);
        if (Clustered && stale.Count > 0)
        {
            await using var connection = await cluster.OpenAsync(cancellationToken);
            await ClusterStore.DeleteSnapshotsAsync(connection, [.. stale.Select(v => v.Version)], cancellationToken);
        }
    }
}
