using Microsoft.EntityFrameworkCore;
using Recommender.Core.Model;
using Recommender.Core.Ranking;
using Recommender.Data;
using Recommender.Data.Entities;

namespace Recommender.Api.Training;

/// <summary>How an activation ended.</summary>
public enum ActivationOutcome
{
    Activated,
    UnknownVersion,
    NotActivatable,
}

/// <summary>The outcome of an activation, the version's row as it now stands, and why it failed.</summary>
public sealed record Activation(ActivationOutcome Outcome, ModelVersion? Row, FactorModel? Model, string? Problem);

public sealed partial class ModelPublisher
{
    /// <summary>
    /// Serves a kept version again and pins it: automatic training runs leave it serving until a manual retrain
    /// publishes or <see cref="UnpinAsync"/> is called. The snapshot loads before publications are held off, so this
    /// waits for no training run.
    /// </summary>
    public async Task<Activation> ActivateAsync(long version, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var row = await db.ModelVersions.AsNoTracking().SingleOrDefaultAsync(v => v.Version == version, cancellationToken);
        if (row is null)
        {
            return new Activation(ActivationOutcome.UnknownVersion, null, null, $"There is no model version {version}.");
        }

        if (row.State is not (ModelState.Active or ModelState.Kept))
        {
            return new Activation(ActivationOutcome.NotActivatable, row, null,
                $"Version {version} is {row.State.ToString().ToLowerInvariant()}{(row.Error is null ? "" : $" ({row.Error})")}; only active and kept versions can be activated.");
        }

        // The serving version and the one before it are in memory: a rollback to the last version reads no snapshot.
        var (model, ranking, unreadable) = new[] { store.Current, store.Previous }.FirstOrDefault(s => s?.Model.Version == version) is { } held
            ? (held.Model, held.Ranking, null)
            : await Task.Run(() => snapshots.Load(version), cancellationToken);
        if (model is null)
        {
            var error = $"Its snapshot cannot be served: {unreadable}";
            await MarkUnservableAsync(db, version, error, cancellationToken);
            return new Activation(ActivationOutcome.NotActivatable, row, null, $"Version {version} cannot be activated. {error}");
        }

        await store.PublishGate.WaitAsync(cancellationToken);
        try
        {
            // Committed from here on: the activation goes through even if the client has gone.
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await db.ModelVersions.Where(v => v.State == ModelState.Active && v.Version != version)
                .ExecuteUpdateAsync(s => s.SetProperty(v => v.State, ModelState.Kept), cancellationToken);
            await db.ModelVersions.Where(v => v.Version == version)
                .ExecuteUpdateAsync(s => s.SetProperty(v => v.State, ModelState.Active), cancellationToken);
            await db.SetPinnedVersionAsync(version, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            var serving = new ServingModel(model, row.DataVersion, ranking);
            await freshUsers.RebaseAsync(serving, CancellationToken.None);
            store.Publish(serving);
            store.PinnedVersion = version;
            serving.WarmInBackground(logger);
        }
        finally
        {
            store.PublishGate.Release();
        }

        logger.LogInformation("Activated and pinned model version {Version}", version);
        row.State = ModelState.Active;
        return new Activation(ActivationOutcome.Activated, row, model, null);
    }

    /// <summary>Ends the pin: the next automatic training run may replace the serving version. False when nothing was pinned.</summary>
    public async Task<bool> UnpinAsync(CancellationToken cancellationToken)
    {
        await store.PublishGate.WaitAsync(cancellationToken);
        try
        {
            if (store.PinnedVersion is null)
            {
                return false;
            }

            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            await db.SetPinnedVersionAsync(null, cancellationToken);
            logger.LogInformation("Unpinned model version {Version}", store.PinnedVersion);
            store.PinnedVersion = null;
            return true;
        }
        finally
        {
            store.PublishGate.Release();
        }
    }

    /// <summary>
    /// At start-up, serves the active version's snapshot, else the newest kept one that reads: a snapshot that cannot
    /// be read is recorded as failed, with why, and the version served instead becomes the active one, so
    /// <c>/api/model/versions</c> tells the truth. <paramref name="preload"/> is a snapshot already being read.
    /// </summary>
    public async Task LoadAtStartAsync(
        Task<(long Version, FactorModel? Model, RankingModel? Ranking, string? Problem)>? preload, CancellationToken cancellationToken)
    {
        snapshots.DeleteTemporaryFiles();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var pinned = await db.GetPinnedVersionAsync(cancellationToken);
        var candidates = await db.ModelVersions.AsNoTracking()
            .Where(v => v.State == ModelState.Active || v.State == ModelState.Kept)
            .Select(v => new { v.Version, v.DataVersion, v.State })
            .ToListAsync(cancellationToken);
        foreach (var candidate in candidates.OrderByDescending(v => v.State == ModelState.Active).ThenByDescending(v => v.Version))
        {
            // What changed since the snapshot's data is read while the snapshot is still loading.
            var changes = freshUsers.ReadChangesSinceAsync(candidate.DataVersion, cancellationToken);
            var preloaded = preload is null ? default : await preload;
            var (model, ranking, problem) = preloaded.Version == candidate.Version
                ? (preloaded.Model, preloaded.Ranking, preloaded.Problem)
                : snapshots.Load(candidate.Version);
            var changed = await changes;
            if (model is null)
            {
                logger.LogError("Snapshot of version {Version} cannot be served, trying the next: {Problem}", candidate.Version, problem);
                await MarkUnservableAsync(db, candidate.Version, $"Its snapshot could not be served at start-up: {problem}", cancellationToken);
                continue;
            }

            if (candidate.State != ModelState.Active)
            {
                await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
                await db.ModelVersions.Where(v => v.State == ModelState.Active)
                    .ExecuteUpdateAsync(s => s.SetProperty(v => v.State, ModelState.Kept), cancellationToken);
                await db.ModelVersions.Where(v => v.Version == candidate.Version)
                    .ExecuteUpdateAsync(s => s.SetProperty(v => v.State, ModelState.Active), cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }

            if (pinned is { } version && version != candidate.Version)
            {
                logger.LogWarning("Pinned version {Pinned} cannot be served; version {Version} serves and nothing is pinned", version, candidate.Version);
                await db.SetPinnedVersionAsync(null, cancellationToken);
                pinned = null;
            }

            var serving = new ServingModel(model, candidate.DataVersion, ranking);
            freshUsers.Rebase(model, changed);
            store.Publish(serving);
            store.PinnedVersion = pinned;
            serving.WarmInBackground(logger);
            logger.LogInformation("Serving snapshot version {Version}{Pinned}", model.Version, pinned is null ? "" : " (pinned)");
            return;
        }

        if (pinned is not null)
        {
            await db.SetPinnedVersionAsync(null, cancellationToken);
        }
    }

    /// <summary>
    /// On an api or trainer node: serves <paramref name="serving"/>, the version <c>model_current</c> points to, read
    /// from the store and verified. Warmed before it serves; never replaces a newer version. False when it did not swap.
    /// </summary>
    public async Task<bool> FollowAsync(ServingModel serving, CancellationToken cancellationToken)
    {
        if (store.Current?.Model.Version >= serving.Model.Version)
        {
            return false;
        }

        await Task.Run(() => serving.Warm(threads: 1, cancellationToken), cancellationToken);
        await store.PublishGate.WaitAsync(cancellationToken);
        try
        {
            if (store.Current?.Model.Version >= serving.Model.Version)
            {
                return false;
            }

            await freshUsers.RebaseAsync(serving, cancellationToken);
            store.Publish(serving);
        }
        finally
        {
            store.PublishGate.Release();
        }

        logger.LogInformation("Serving version {Version}, published by the trainer", serving.Model.Version);
        return true;
    }

    private static Task MarkUnservableAsync(RecommenderDbContext db, long version, string error, CancellationToken cancellationToken) =>
        db.ModelVersions.Where(v => v.Version == version).ExecuteUpdateAsync(
            s => s.SetProperty(v => v.State, ModelState.Failed).SetProperty(v => v.Error, error), cancellationToken);
}
