using System.Buffers;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Timeouts;

namespace Recommender.Api.Security;

/// <summary>
/// An API response is computed and serialized whole before its first byte is sent. A request that runs past
/// Limits:RequestTimeout — in its handler or while its JSON is being written — therefore ends in a 504 ProblemDetails,
/// never in a 200 whose body stops mid-way; once the body is complete the timeout no longer applies to sending it.
/// </summary>
/// <remarks>
/// Without this, the JSON writer's flushes start the response early, and when the timeout cancels the request token
/// the framework's <c>WriteAsJsonAsync</c> treats the cancellation as a client that went away and returns quietly: the
/// response ends as if complete. Bodies are bounded by the page and count limits, so holding one in memory is cheap.
/// </remarks>
internal static class WholeResponses
{
    public static IApplicationBuilder UseWholeResponses(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (!context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase)
            || context.Features.Get<IHttpResponseBodyFeature>() is not { } original)
        {
            await next(context);
            return;
        }

        using var buffer = new PooledBufferStream();
        var buffered = new StreamResponseBodyFeature(buffer, original);
        context.Features.Set<IHttpResponseBodyFeature>(buffered);
        try
        {
            await next(context);
            await buffered.CompleteAsync();
        }
        finally
        {
            context.Features.Set(original);
        }

        // The body is complete: from here on nothing may cut it. A timeout that fired before this point discards it,
        // and the timeout middleware outside answers 504 (the response has not started).
        var timeout = context.Features.Get<IHttpRequestTimeoutFeature>();
        timeout?.DisableTimeout();
        timeout?.RequestTimeoutToken.ThrowIfCancellationRequested();
        if (buffer.Length > 0 && !HttpMethods.IsHead(context.Request.Method))
        {
            context.Response.ContentLength = buffer.Length;
        }

        await buffer.CopyToAsync(original.Stream, CancellationToken.None);
    });

    /// <summary>A write-only stream over pooled 64 KiB segments, copied out once at the end.</summary>
    private sealed class PooledBufferStream : Stream
    {
        private const int SegmentSize = 1 << 16;
        private readonly List<byte[]> _segments = [];
        private long _length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position
        {
            get => _length;
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            while (!buffer.IsEmpty)
            {
                var used = (int)(_length % SegmentSize);
                if (used == 0 && _length / SegmentSize == _segments.Count)
                {
                    _segments.Add(ArrayPool<byte>.Shared.Rent(SegmentSize));
                }

                var take = Math.Min(buffer.Length, SegmentSize - used);
                buffer[..take].CopyTo(_segments[^1].AsSpan(used));
                buffer = buffer[take..];
                _length += take;
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer.AsSpan(offset, count));
            return Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override async Task CopyToAsync(Stream destination, int bufferSize, CancellationToken cancellationToken)
        {
            var left = _length;
            foreach (var segment in _segments)
            {
                var take = (int)Math.Min(left, SegmentSize);
                await destination.WriteAsync(segment.AsMemory(0, take), cancellationToken);
                left -= take;
            }
        }

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            foreach (var segment in _segments)
            {
                ArrayPool<byte>.Shared.Return(segment);
            }

            _segments.Clear();
            base.Dispose(disposing);
        }
    }
}
