using System.Collections.Concurrent;
using Serilog.Core;
using Serilog.Events;

namespace Recommender.Api.Tests;

/// <summary>Every log event the service writes, as Serilog hands it to its sinks (registered through DI: ReadFrom.Services).</summary>
internal sealed class LogCapture : ILogEventSink
{
    private readonly ConcurrentQueue<LogEvent> _events = new();
    private readonly Lock _lock = new();
    private readonly List<(Func<LogEvent, bool> Match, TaskCompletionSource<LogEvent> Found)> _waiters = [];

    /// <summary>Settings that let every level through, the framework's included.</summary>
    public static Dictionary<string, string?> Verbose => new()
    {
        ["Serilog:MinimumLevel:Default"] = "Verbose",
        ["Serilog:MinimumLevel:Override:Microsoft.AspNetCore"] = "Verbose",
        ["Serilog:MinimumLevel:Override:Microsoft.EntityFrameworkCore"] = "Verbose",
    };

    public void Emit(LogEvent logEvent)
    {
        lock (_lock)
        {
            _events.Enqueue(logEvent);
            foreach (var waiter in _waiters.Where(w => w.Match(logEvent)).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Found.TrySetResult(logEvent);
            }
        }
    }

    /// <summary>
    /// The first event that matches, waiting for it if need be: some are written after the response has reached the
    /// client (the request log line, the exception handler's report).
    /// </summary>
    public Task<LogEvent> WaitForAsync(Func<LogEvent, bool> match)
    {
        lock (_lock)
        {
            if (_events.FirstOrDefault(match) is { } found)
            {
                return Task.FromResult(found);
            }

            var waiter = new TaskCompletionSource<LogEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, waiter));
            return waiter.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    /// <summary>One event as text: the rendered message, every property and the exception.</summary>
    public static string Text(LogEvent e) =>
        $"{e.Level} {e.RenderMessage()} {string.Join(" ", e.Properties.Select(p => $"{p.Key}={p.Value}"))} {e.Exception}";

    public IReadOnlyList<LogEvent> Events => [.. _events];

    /// <summary>Each event as text: the rendered message, every property and the exception.</summary>
    public IEnumerable<string> Texts => Events.Select(Text);
}
