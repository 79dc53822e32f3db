namespace Recommender.Api.Security;

/// <summary>
/// A request body that must keep arriving: <see cref="Stalled"/> is cancelled, and the read that waits is with it, when
/// no byte has arrived for the idle timeout. Only the time spent waiting for the client counts, not the time the
/// service spends between reads, so a large body that keeps arriving is never cut short. Kestrel's minimum data rate
/// does not catch a stall after a fast start: it averages over the whole body.
/// </summary>
internal sealed class IdleBody(Stream inner, TimeSpan timeout) : Stream
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

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Read the request body asynchronously.");

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stalled.Dispose();
        }

        base.Dispose(disposing);
    }
}
