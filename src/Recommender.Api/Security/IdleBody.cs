namespace Recommender.Api.Security;

/// <summary>
/// A request body that must keep arriving: <see cref="Stalled"/> is cancelled, and the read that waits is with it, when
/// no byte has arrived for the idle timeout. Only the time spent waiting for the client counts, not the time the
/// service spends between reads, so a large body that keeps arriving is never cut short. Kestrel's minimum data rate
/// does not catch a stall after a fast start: it averages over the whole body.
/// </summary>
internal sealed class IdleBody(Stream inner, TimeSpan timeout) : ReadOnlyStream
{
    private readonly CancellationTokenSource _stalled = new();

    /// <summary>Cancelled once a read has waited longer than the timeout.</summary>
    public CancellationToken Stalled => _stalled.Token;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (timeout <= TimeSpan.Zero)
        {
            return await inner.ReadAsync(buffer, cancellationToken);
        }

        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stalled.Token);
        _stalled.CancelAfter(timeout);
        try
        {
            return await inner.ReadAsync(buffer, waiting.Token);
        }
        finally
        {
            if (!_stalled.IsCancellationRequested)
            {
                _stalled.CancelAfter(Timeout.InfiniteTimeSpan);
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stalled.Dispose();
        }

        base.Dispose(disposing);
    }
}
