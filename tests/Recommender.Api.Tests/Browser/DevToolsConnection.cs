using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;

namespace Recommender.Api.Tests.Browser;

/// <summary>An event of the Chrome DevTools Protocol; SessionId names the page it came from (flat session mode).</summary>
internal sealed record DevToolsEvent(string Method, JsonElement Parameters, string? SessionId);

/// <summary>
/// A minimal Chrome DevTools Protocol client: one WebSocket to the browser, commands matched to their answers by
/// id, every page reached through a flat session (Target.attachToTarget with flatten=true).
/// </summary>
internal sealed class DevToolsConnection : IAsyncDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly CancellationTokenSource _closing = new();
    private Task _receiving = Task.CompletedTask;
    private int _lastId;

    /// <summary>Raised on the receiving thread for every event.</summary>
    public event Action<DevToolsEvent>? EventReceived;

    public static async Task<DevToolsConnection> ConnectAsync(Uri endpoint, CancellationToken cancellationToken)
    {
        var connection = new DevToolsConnection();
        await connection._socket.ConnectAsync(endpoint, cancellationToken);
        connection._receiving = Task.Run(connection.ReceiveAsync, CancellationToken.None);
        return connection;
    }

    /// <summary>Sends a command and returns its result; a protocol error or no answer in 30 s throws.</summary>
    public async Task<JsonElement> SendAsync(string method, object? parameters = null, string? sessionId = null)
    {
        var id = Interlocked.Increment(ref _lastId);
        var answer = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        var message = new Dictionary<string, object?> { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new { } };
        if (sessionId is not null)
        {
            message["sessionId"] = sessionId;
        }

        try
        {
            var bytes = JsonSerializer.SerializeToUtf8Bytes(message);
            await _sending.WaitAsync(_closing.Token);
            try
            {
                await _socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, _closing.Token);
            }
            finally
            {
                _sending.Release();
            }

            return await answer.Task.WaitAsync(CommandTimeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"DevTools did not answer {method} within {CommandTimeout.TotalSeconds} s.");
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (!_closing.IsCancellationRequested)
            {
                var received = await _socket.ReceiveAsync(buffer, _closing.Token);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                message.Write(buffer, 0, received.Count);
                if (received.EndOfMessage)
                {
                    Dispatch(message.GetBuffer().AsMemory(0, (int)message.Length));
                    message.SetLength(0);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            // Closing, or the browser went away: the pending commands fail below.
        }
        finally
        {
            foreach (var answer in _pending.Values)
            {
                answer.TrySetException(new InvalidOperationException("The DevTools connection closed."));
            }
        }
    }

    private void Dispatch(ReadOnlyMemory<byte> json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (root.TryGetProperty("id", out var id))
        {
            if (_pending.TryGetValue(id.GetInt32(), out var answer))
            {
                if (root.TryGetProperty("error", out var error))
                {
                    answer.TrySetException(new InvalidOperationException($"DevTools error: {error.GetRawText()}"));
                }
                else
                {
                    answer.TrySetResult(root.TryGetProperty("result", out var result) ? result.Clone() : default);
                }
            }
        }
        else if (root.TryGetProperty("method", out var method))
        {
            var parameters = root.TryGetProperty("params", out var p) ? p.Clone() : default;
            var session = root.TryGetProperty("sessionId", out var s) ? s.GetString() : null;
            EventReceived?.Invoke(new DevToolsEvent(method.GetString()!, parameters, session));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync();
        try
        {
            await _receiving;
        }
        finally
        {
            _socket.Dispose();
            _closing.Dispose();
            _sending.Dispose();
        }
    }
}
