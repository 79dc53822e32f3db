using Microsoft.Extensions.Options;
using Recommender.Api.Cluster;
using Recommender.Api.Options;

namespace Recommender.Api.Training;

/// <summary>
/// Decides when to train: at start-up, on a manual request, after ratings change (debounced) and on the periodic
/// interval. The run itself is <see cref="TrainingPipeline"/>; this loop only waits and calls it, one run at a time.
/// An api node never trains; a trainer node trains only while it holds the trainer lock (<see cref="TrainerLease"/>),
/// and runs at once when it takes the lock over (skipped when the current model covers the data). Between runs, every
/// <see cref="TrainingOptions.ExternalPollInterval"/>, it publishes a model an external trainer marked ready
/// (<see cref="TrainingPipeline.PublishExternalAsync"/>), so that never runs beside a training run either.
/// </summary>
public sealed class TrainingWorker(
    TrainingPipeline pipeline,
    TrainingTrigger trigger,
    IOptions<TrainingOptions> options,
    IOptions<NodeOptions> node,
    TrainerLease lease,
    TimeProvider time,
    ILogger<TrainingWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Let the host finish starting before the first (possibly long) run.
        await Task.Yield();
        var settings = options.Value;
        var role = node.Value.Role;
        if (role == NodeRole.Api)
        {
            return;
        }

        if (role == NodeRole.Trainer)
        {
            // Stand by until this node holds the lock; then train as the lock's new holder.
            await lease.HoldAsync(stoppingToken);
            await pipeline.RunAsync(TrainingReason.DataChanged, stoppingToken);
        }
        else if (settings.TrainOnStart)
        {
            await pipeline.RunAsync(TrainingReason.DataChanged, stoppingToken);
        }

        Task<bool> request = trigger.Requests.WaitToReadAsync(stoppingToken).AsTask();
        Task<bool> change = settings.Debounce > TimeSpan.Zero
            ? trigger.Changes.WaitToReadAsync(stoppingToken).AsTask()
            : Task.Delay(Timeout.Infinite, stoppingToken).ContinueWith(_ => false, TaskScheduler.Default);
        Task tick = NextTick(settings, stoppingToken);
        Task check = NextLockCheck(role, stoppingToken);
        Task external = NextExternalPoll(settings, stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            var ready = await Task.WhenAny(request, change, tick, check, external);
            stoppingToken.ThrowIfCancellationRequested();
            var taken = false;
            if (role == NodeRole.Trainer)
            {
                // Only the lock's holder trains: a node that lost it stands by until it holds it again.
                taken = await lease.HoldAsync(stoppingToken);
                if (ready == check)
                {
                    check = NextLockCheck(role, stoppingToken);
                    if (!taken)
                    {
                        continue;
                    }

                    await pipeline.RunAsync(TrainingReason.DataChanged, stoppingToken);
                    continue;
                }
            }

            if (ready == external)
            {
                if (taken)
                {
                    // The lock was taken over just now: the new holder's run comes first, as on a lock check.
                    await pipeline.RunAsync(TrainingReason.DataChanged, stoppingToken);
                }

                await pipeline.PublishExternalAsync(stoppingToken);
                external = NextExternalPoll(settings, stoppingToken);
                continue;
            }

            if (ready == change)
            {
                Drain();
                await DebounceAsync(settings, request, stoppingToken);
                change = trigger.Changes.WaitToReadAsync(stoppingToken).AsTask();
            }

            if (request.IsCompleted)
            {
                while (trigger.Requests.TryRead(out _))
                {
                }

                request = trigger.Requests.WaitToReadAsync(stoppingToken).AsTask();
            }

            if (tick.IsCompleted)
            {
                tick = NextTick(settings, stoppingToken);
            }

            var reason = trigger.TakeManual() ? TrainingReason.Manual : TrainingReason.DataChanged;
            var forcedBy = reason == TrainingReason.Manual ? trigger.TakeForcedBy() : null;
            logger.LogDebug("Training requested ({Reason})", reason);
            await pipeline.RunAsync(reason, stoppingToken, forcedBy);
        }
    }

    /// <summary>Waits until no rating changed for <see cref="TrainingOptions.Debounce"/> (at most ten debounce periods), or a manual request.</summary>
    private async Task DebounceAsync(TrainingOptions settings, Task<bool> request, CancellationToken stoppingToken)
    {
        var deadline = time.GetUtcNow() + settings.Debounce * 10;
        while (time.GetUtcNow() < deadline)
        {
            var quiet = Task.Delay(settings.Debounce, time, stoppingToken);
            var more = trigger.Changes.WaitToReadAsync(stoppingToken).AsTask();
            var first = await Task.WhenAny(quiet, more, request);
            stoppingToken.ThrowIfCancellationRequested();
            if (first != more)
            {
                return;
            }

            Drain();
        }
    }

    private void Drain()
    {
        while (trigger.Changes.TryRead(out _))
        {
        }
    }

    private Task NextLockCheck(NodeRole role, CancellationToken stoppingToken) =>
        role == NodeRole.Trainer
            ? Task.Delay(node.Value.LockInterval, time, stoppingToken)
            : Task.Delay(Timeout.Infinite, stoppingToken);

    private Task NextExternalPoll(TrainingOptions settings, CancellationToken stoppingToken) =>
        pipeline.ExternalModelsEnabled
            ? Task.Delay(settings.ExternalPollInterval, time, stoppingToken)
            : Task.Delay(Timeout.Infinite, stoppingToken);

    private Task NextTick(TrainingOptions settings, CancellationToken stoppingToken) =>
        settings.Interval > TimeSpan.Zero
            ? Task.Delay(settings.Interval, time, stoppingToken)
            : Task.Delay(Timeout.Infinite, stoppingToken);
}
