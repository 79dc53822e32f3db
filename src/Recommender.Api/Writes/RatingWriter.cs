using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using System.Diagnostics;
using Recommender.Api.Options;
using Recommender.Api.Telemetry;
using Recommender.Api.Training;
using Recommender.Data;

namespace Recommender.Api.Writes;

/// <summary>
/// The one way ratings change: single writes, batches, imports and deletions all commit through
/// <c>CommitAsync</c> — a transaction that bumps the data version, applies the change (stamping its users),
/// commits, then marks the users for fold-in and triggers a retrain — and answer a <see cref="WriteResult{T}"/> that the
/// handlers map to HTTP. A store that cannot take the write (busy, disk full, unwritable) is such a result, recorded by
/// <see cref="StoreHealth"/>, never an exception.
/// </summary>
/// <remarks>
/// Single writes are group-committed: requests queue their rating and wait; one loop takes everything that is queued (up
/// to <see cref="MaxGroup"/>), upserts it in one transaction and commits once, then answers every request in the group.
/// A request is answered 2xx only after the commit that holds its rating — durability is not weakened, the fsync is
/// shared. If the commit fails, every request of the group fails and nothing of it is stored.
/// </remarks>
public sealed partial class RatingWriter(
    IDbContextFactory<RecommenderDbContext> dbFactory,
    FreshUsers freshUsers,
    TrainingTrigger trigger,
    Cluster.ClusterBus bus,
    StoreHealth health,
    TimeProvider time,
    IOptions<LimitsOptions> limits,
    ILogger<RatingWriter> logger) : BackgroundService
{
    internal const int MaxGroup = 1000;

    private readonly Channel<PendingWrite> _queue = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = true });

    private sealed record PendingWrite(RatingInput Rating, TaskCompletionSource<WriteResult<bool>> Done, long Started);

    /// <summary>What a change did inside its transaction; nothing is committed unless <see cref="Commit"/>.</summary>
    private sealed record Change<T>(T Value, bool Commit = true, IEnumerable<string>? Changed = null, IEnumerable<string>? Deleted = null);

    /// <summary>Stores one rating; true when it is new. Completes after the transaction that holds it committed.</summary>
    public Task<WriteResult<bool>> WriteAsync(RatingInput rating)
    {
        var done = new TaskCompletionSource<WriteResult<bool>>(TaskCreationOptions.RunContinuationsAsynchronously);
        return _queue.Writer.TryWrite(new PendingWrite(rating, done, Stopwatch.GetTimestamp()))
            ? done.Task
            : Task.FromResult<WriteResult<bool>>(new WriteFailure(WriteFailureKind.ShuttingDown, "The service is shutting down; the rating was not stored."));
    }

    /// <summary>Stores every rating in one transaction, all or nothing. The pairs must be distinct.</summary>
    public async Task<WriteResult<RatingCounts>> WriteBatchAsync(IReadOnlyList<RatingInput> ratings, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var result = await RunAsync(db => CommitAsync(db, async token =>
        {
            var created = (await UpsertAsync(db, ratings, token)).Count(c => c);
            return new Change<RatingCounts>(new(created, ratings.Count - created), Changed: ratings.Select(r => r.UserId).Distinct());
        }, cancellationToken), cancellationToken);
        Measure("batch", started, result.Failure is null ? ratings.Count : 0);
        return result;
    }

    /// <summary>Counts <paramref name="committed"/> ratings on <paramref name="path"/> and the write's duration, tagged ok or failed.</summary>
    private static void Measure(string path, long started, long committed)
    {
        var tag = RecommenderTelemetry.Tag("path", path);
        if (committed > 0)
        {
            RecommenderTelemetry.RatingsWritten.Add(committed, tag);
        }

        RecommenderTelemetry.WriteDuration.RecordSince(started, tag, RecommenderTelemetry.Tag("outcome", committed > 0 ? "ok" : "failed"));
    }

    /// <summary>Deletes one rating; false (nothing changed) when there was none.</summary>
    public Task<WriteResult<bool>> DeleteRatingAsync(string userId, string itemId, CancellationToken cancellationToken) =>
        RunAsync(db => CommitAsync(db, async (version, token) =>
        {
            if (await db.Ratings.Where(r => r.UserId == userId && r.ItemId == itemId).ExecuteDeleteAsync(token) == 0)
            {
                return new Change<bool>(false, Commit: false);
            }

            await db.StampUserRatingsAsync(userId, version, token);
            return new Change<bool>(true, Changed: [userId]);
        }, cancellationToken), cancellationToken);

    /// <summary>Deletes a user and all their ratings; false (nothing changed) when there is no such user.</summary>
    public Task<WriteResult<bool>> DeleteUserAsync(string userId, CancellationToken cancellationToken) =>
        RunAsync(db => CommitAsync(db, async (version, token) =>
        {
            await db.Ratings.Where(r => r.UserId == userId).ExecuteDeleteAsync(token);
            if (await db.Users.Where(u => u.Id == userId).ExecuteDeleteAsync(token) == 0)
            {
                return new Change<bool>(false, Commit: false);
            }

            await db.MarkUserDeletedAsync(version, token);
            return new Change<bool>(true, Deleted: [userId]);
        }, cancellationToken), cancellationToken);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Stop taking writes, then let the loop commit what is queued before the host stops.
        _queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var group = new List<PendingWrite>(MaxGroup);
        while (await _queue.Reader.WaitToReadAsync(CancellationToken.None))
        {
            group.Clear();
            while (group.Count < MaxGroup && _queue.Reader.TryRead(out var write))
            {
                group.Add(write);
            }

            await CommitGroupAsync(group);
        }
    }

    private async Task CommitGroupAsync(List<PendingWrite> group)
    {
        var ratings = group.Select(w => w.Rating).ToList();
        WriteResult<bool[]> result;
        try
        {
            result = await RunAsync(
                db => CommitAsync(
                    db,
                    async token => new Change<bool[]>(await UpsertAsync(db, ratings, token), Changed: ratings.Select(r => r.UserId)),
                    CancellationToken.None),
                CancellationToken.None);
        }
        catch (Exception e)
        {
            // Not the store's known failures: a fault of the service, answered 500 to every request of the group.
            logger.LogError(e, "A group of {Count} ratings could not be committed; none of them was stored", group.Count);
            foreach (var write in group)
            {
                Measure("single", write.Started, 0);
                write.Done.TrySetException(e);
            }

            return;
        }

        for (var n = 0; n < group.Count; n++)
        {
            Measure("single", group[n].Started, result.Failure is null ? 1 : 0);
            group[n].Done.TrySetResult(result.Failure ?? (WriteResult<bool>)result.Value[n]);
        }
    }

    /// <summary>
    /// Bumps the data version of <paramref name="db"/>'s transaction and upserts <paramref name="ratings"/> stamped with it
    /// (one round trip on PostgreSQL); whether each was new.
    /// </summary>
    private async Task<bool[]> UpsertAsync(RecommenderDbContext db, IReadOnlyList<RatingInput> ratings, CancellationToken cancellationToken) =>
        (await RatingUpserter.BumpAndUpsertAsync(
            db, time.GetUtcNow().ToUnixTimeMilliseconds(), [.. ratings.Select(r => new RatingRow(r.UserId, r.ItemId, r.Value, r.Timestamp))], cancellationToken)).Created;

    /// <summary>Runs a write on a context of its own; the store's failures become its result (<see cref="StoreHealth"/>).</summary>
    private Task<WriteResult<T>> RunAsync<T>(Func<RecommenderDbContext, Task<WriteResult<T>>> write, CancellationToken cancellationToken) =>
        health.GuardAsync(async () =>
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            return await write(db);
        });

    /// <summary>
    /// The one rating write: begins a transaction, bumps the data version, lets <paramref name="change"/> write (stamped
    /// with that version), commits, and only then marks the changed or deleted users for fold-in and triggers a retrain.
    /// </summary>
    private Task<WriteResult<T>> CommitAsync<T>(
        RecommenderDbContext db, Func<long, CancellationToken, Task<Change<T>>> change, CancellationToken cancellationToken) =>
        CommitAsync(db, async token => await change(await db.BumpDataVersionAsync(token), token), cancellationToken);

    /// <summary>
    /// The same for a change that bumps the data version itself, as its first statement (the upserts do it in the round
    /// trip that writes the ratings).
    /// </summary>
    private async Task<WriteResult<T>> CommitAsync<T>(
        RecommenderDbContext db, Func<CancellationToken, Task<Change<T>>> change, CancellationToken cancellationToken)
    {
        Change<T> done;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            done = await change(cancellationToken);
            if (!done.Commit)
            {
                return done.Value;
            }

            await transaction.CommitAsync(cancellationToken);
        }

        health.Committed();
        if (done.Changed is { } changed)
        {
            freshUsers.MarkChanged(changed);
            bus.AnnounceUsers(changed);
        }

        if (done.Deleted is { } deleted)
        {
            freshUsers.MarkDeleted(deleted);
            bus.AnnounceUsers(deleted);
        }

        trigger.RatingsChanged();
        return done.Value;
    }
}
