using System.Threading.Channels;

namespace Recommender.Api.Training;

/// <summary>Why a run was asked for.</summary>
public enum TrainingReason
{
    /// <summary>An operator asked (<c>POST /api/model/retrain</c>): runs even when nothing changed.</summary>
    Manual,

    /// <summary>Ratings changed and the debounce elapsed.</summary>
    DataChanged,
}

/// <summary>
/// Requests for a training run, coalesced: a capacity-1 channel that drops further requests while one is pending,
/// so a burst of writes asks for one run. Writers also record when ratings last changed for the debounce.
/// </summary>
public sealed class TrainingTrigger
{
    private readonly Channel<TrainingReason> _requests = Channel.CreateBounded<TrainingReason>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private readonly Channel<bool> _changes = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private long _manualPending;

    private string? _forcedBy;

    /// <summary>
    /// Asks for a run now; a manual request is remembered even if a data-change request is already queued.
    /// <paramref name="forcedBy"/> (an API key name) asks for the manual run's model to be published past the quality
    /// gate — never past its finiteness check.
    /// </summary>
    public void Request(TrainingReason reason, string? forcedBy = null)
    {
        if (reason == TrainingReason.Manual)
        {
            if (forcedBy is not null)
            {
                Interlocked.Exchange(ref _forcedBy, forcedBy);
            }

            Interlocked.Exchange(ref _manualPending, 1);
        }

        _requests.Writer.TryWrite(reason);
    }

    /// <summary>Who asked to force the next manual run, once; null when nobody did.</summary>
    internal string? TakeForcedBy() => Interlocked.Exchange(ref _forcedBy, null);

    /// <summary>Signals that ratings changed (the worker debounces these).</summary>
    public void RatingsChanged() => _changes.Writer.TryWrite(true);

    internal ChannelReader<TrainingReason> Requests => _requests.Reader;

    internal ChannelReader<bool> Changes => _changes.Reader;

    /// <summary>True once per manual request: the run it starts must not be skipped.</summary>
    internal bool TakeManual() => Interlocked.Exchange(ref _manualPending, 0) == 1;
}
