using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Recommender.Api.Options;
using Recommender.Api.Training;
using Recommender.Data;

namespace Recommender.Api.Cluster;

/// <summary>
/// How an api or trainer node keeps up with the others through the shared store: every
/// <see cref="NodeOptions.PollInterval"/> (or at once when an announcement raises its <see cref="FollowerSignal"/>) it reads the store's
/// head; a newer <c>model_current</c> is read, its checksum verified and served (<see cref="ModelPublisher.FollowAsync"/>),
/// and users whose ratings other nodes changed are folded in here from their next query (<see cref="FreshUsers.Merge"/>).
/// On a trainer node, a change also tells the trainer that ratings changed.
/// </summary>
public sealed class ClusterFollower(
    ClusterDatabase cluster,
    IDbContextFactory<RecommenderDbContext> dbFactory,
    ModelStore store,
    ModelPublisher publisher,
    SnapshotStore snapshots,
    FreshUsers freshUsers,
    TrainingTrigger trigger,
    FollowerSignal signal,
    SnapshotCache cache,
    IOptions<NodeOptions> options,
    ILogger<ClusterFollower> logger) : BackgroundService
{
    private readonly SemaphoreSlim _sync = new(1, 1);
    private long _seenDataVersion = -1;
    private long _unservable;

    /// <summary>Reads the store's head once and catches up with it: the current model, then other nodes' writes.</summary>
    public async Task SyncAsync(CancellationToken cancellationToken)
    {
        await _sync.WaitAsync(cancellationToken);
        try
        {
            ClusterHead head;
            await using (var connection = await cluster.OpenAsync(cancellationToken))
            {
                head = await ClusterStore.ReadHeadAsync(connection, cancellationToken);
            }

            if (head.CurrentModel > (store.Current?.Model.Version ?? 0) && head.CurrentModel != _unservable)
            {
                await LoadAsync(head.CurrentModel, cancellationToken);
            }

            if (_seenDataVersion < 0)
            {
                // Serving a version rebases on everything written since its data; before that nothing is folded in.
                _seenDataVersion = head.DataVersion;
            }
            else if (head.DataVersion > _seenDataVersion)
            {
                var changes = await freshUsers.ReadChangesSinceAsync(_seenDataVersion, cancellationToken);
                freshUsers.Merge(store.Current?.Model, changes);
                _seenDataVersion = head.DataVersion;
                if (options.Value.Role == NodeRole.Trainer)
                {
                    trigger.RatingsChanged();
                }
            }
        }
        finally
        {
            _sync.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Clustered)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SyncAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning("Could not catch up with the store: {Message}", e.Message);
            }

            try
            {
                await signal.WaitAsync(options.Value.PollInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Reads <paramref name="version"/>'s snapshot (unless a verified copy is on disk), verifies it and serves it.</summary>
    private async Task LoadAsync(long version, CancellationToken cancellationToken)
    {
        SnapshotHeader? header;
        await using (var connection = await cluster.OpenAsync(cancellationToken))
        {
            header = await ClusterStore.ReadSnapshotHeaderAsync(connection, version, cancellationToken);
            if (header is null)
            {
                logger.LogError("Version {Version} is current but the store has no snapshot of it", version);
                _unservable = version;
                return;
            }

            var path = snapshots.PathOf(version);
            if (!File.Exists(path) || await ClusterStore.ChecksumAsync(path, cancellationToken) != header.Checksum)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                var download = path + ".download";
                string checksum;
                bool cached;
                await using (var file = new FileStream(download, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
                {
                    cached = await cache.TryCopyAsync(header.Checksum, file, cancellationToken);
                    if (cached)
                    {
                        checksum = header.Checksum;
                    }
                    else
                    {
                        file.SetLength(0);
                        file.Position = 0;
                        checksum = await ClusterStore.CopySnapshotAsync(connection, version, file, cancellationToken);
                    }
                }

                logger.LogInformation("Read the snapshot of version {Version} from {Source}", version, cached ? "the Redis cache" : "the store");
                if (!cached && checksum == header.Checksum)
                {
                    // The next replica to follow this version finds it in the cache.
                    await cache.StoreAsync(download, checksum, cancellationToken);
                }

                if (checksum != header.Checksum)
                {
                    File.Delete(download);
                    logger.LogError(
                        "The snapshot of version {Version} read from the store has SHA-256 {Actual}, not {Expected}: it is not served",
                        version, checksum, header.Checksum);
                    _unservable = version;
                    return;
                }

                File.Move(download, path, overwrite: true);
            }
        }

        var (model, ranking, problem) = await Task.Run(() => snapshots.Load(version), cancellationToken);
        if (model is null)
        {
            logger.LogError("The snapshot of version {Version} cannot be served: {Problem}", version, problem);
            _unservable = version;
            return;
        }

        long dataVersion;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            dataVersion = await db.ModelVersions.AsNoTracking().Where(v => v.Version == version).Select(v => v.DataVersion).SingleAsync(cancellationToken);
        }

        if (await publisher.FollowAsync(new ServingModel(model, dataVersion, ranking), cancellationToken))
        {
            // The store keeps the versions; this folder keeps what serves and the one before (a rollback in memory).
            snapshots.DeleteAllBut(new HashSet<long> { version, store.Previous?.Model.Version ?? version });
        }
    }
}
