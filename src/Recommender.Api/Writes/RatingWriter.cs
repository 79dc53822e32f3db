using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Recommender.Api.Training;
using Recommender.Data;

namespace Recommender.Api.Writes;

/// <summary>
/// Group commit for single-rating writes: requests queue their rating and wait; one writer takes everything that is
/// queued (up to <see cref="MaxGroup"/>), upserts it in one transaction and commits once, then answers every request
/// in the group. A request is answered 2xx only after the commit that holds its rating — durability is not weakened,
/// the fsync is shared. If the commit fails, every request of the group fails and nothing of it is stored.
/// </summary>
public sealed class RatingWriter(
    IDbContextFactory<RecommenderDbContext> dbFactory,
    FreshUsers freshUsers,
    TrainingTrigger trigger,
    TimeProvider time,
    ILogger<RatingWriter> logger) : BackgroundService
{
    internal const int MaxGroup = 1000;

    private readonly Channel<PendingWrite> _queue = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = true });

    private sealed record PendingWrite(string UserId, string ItemId, double Value, long Timestamp, TaskCompletionSource<bool> Done);

    /// <summary>Stores one rating; completes with true when it is new, after its transaction committed.</summary>
    public Task<bool> WriteAsync(string userId, string itemId, double value, long timestamp)
    {
        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.Writer.TryWrite(new PendingWrite(userId, itemId, value, timestamp, done)))
        {
            throw new InvalidOperationException("The service is shutting down; the rating was not stored.");
        }

        return done.Task;
    }

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

            await CommitAsync(group);
        }
    }

    private async Task CommitAsync(List<PendingWrite> group)
    {
        var created = new bool[group.Count];
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
            await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
            var dataVersion = await db.BumpDataVersionAsync(CancellationToken.None);
            using (var upserter = RatingUpserter.Create(db, time.GetUtcNow().ToUnixTimeMilliseconds(), dataVersion))
            {
                for (var n = 0; n < group.Count; n++)
                {
                    var write = group[n];
                    created[n] = upserter.Upsert(write.UserId, write.ItemId, write.Value, write.Timestamp);
                }
            }

            await transaction.CommitAsync(CancellationToken.None);
        }
        catch (Exception e)
        {
            logger.LogError(e, "A group of {Count} ratings could not be committed; none of them was stored", group.Count);
            foreach (var write in group)
            {
                write.Done.TrySetException(new InvalidOperationException("The rating could not be stored.", e));
            }

            return;
        }

        freshUsers.MarkChanged(group.Select(w => w.UserId));
        trigger.RatingsChanged();
        for (var n = 0; n < group.Count; n++)
        {
            group[n].Done.TrySetResult(created[n]);
        }
    }
}
