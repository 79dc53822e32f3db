using System.Runtime.CompilerServices;

namespace Recommender.Core.Training;

/// <summary>A sense-reversing barrier that spins (the waits inside an epoch are short) and yields under contention.</summary>
internal sealed class EpochBarrier(int participants)
{
    private readonly ThreadLocal<bool> _localSense = new(() => false);
    private readonly int _participants = participants;
    private int _remaining = participants;
    private volatile bool _sense;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void SignalAndWait()
    {
        var sense = !_localSense.Value;
        _localSense.Value = sense;
        if (Interlocked.Decrement(ref _remaining) == 0)
        {
            _remaining = _participants;
            _sense = sense;
            return;
        }

        var spinner = default(SpinWait);
        while (_sense != sense)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }
    }
}
