using System.Collections.Concurrent;
using System.Diagnostics;

namespace Recommender.Api.Writes;

/// <summary>
/// The rating imports running in this process and the last <see cref="Kept"/> that ended, so a long import can be
/// followed while its body streams in (<c>GET /api/ratings/imports/{id}</c>) and looked up after it ended.
/// </summary>
public sealed class ImportTracker(TimeProvider time)
{
    /// <summary>Ended imports kept for looking up.</summary>
    public const int Kept = 20;

    private readonly ConcurrentDictionary<string, ImportRun> _running = new(StringComparer.Ordinal);
    private readonly Queue<ImportRun> _ended = new();
    private readonly Lock _endedLock = new();

    /// <summary>Starts tracking an import named <paramref name="id"/> (a new id when null); null when that id is running.</summary>
    public ImportRun? Start(string? id)
    {
        var run = new ImportRun(id ?? Guid.NewGuid().ToString("N")[..12], time.GetUtcNow(), this);
        return _running.TryAdd(run.Id, run) ? run : null;
    }

    /// <summary>The running imports, oldest first, then the ended ones, latest first.</summary>
    public IReadOnlyList<ImportRun> List()
    {
        var running = _running.Values.OrderBy(r => r.StartedAt);
        lock (_endedLock)
        {
            return [.. running, .. _ended.Reverse()];
        }
    }

    /// <summary>The import named <paramref name="id"/>, running or among the last ended; null when unknown.</summary>
    public ImportRun? Find(string id)
    {
        if (_running.TryGetValue(id, out var run))
        {
            return run;
        }

        lock (_endedLock)
        {
            return _ended.LastOrDefault(r => r.Id == id);
        }
    }

    internal void Ended(ImportRun run)
    {
        lock (_endedLock)
        {
            _ended.Enqueue(run);
            while (_ended.Count > Kept)
            {
                _ended.Dequeue();
            }
        }

        _running.TryRemove(new KeyValuePair<string, ImportRun>(run.Id, run));
    }
}

/// <summary>Where one import stands. Its counters are written by the import and read by any request.</summary>
public sealed class ImportRun
{
    private readonly ImportTracker _tracker;
    private readonly long _started = Stopwatch.GetTimestamp();
    private long _ratings;
    private long _ended;
    private volatile string _state = ImportStates.Staging;
    private volatile string? _detail;
    private int _users = -1;

    internal ImportRun(string id, DateTimeOffset startedAt, ImportTracker tracker)
    {
        Id = id;
        StartedAt = startedAt;
        _tracker = tracker;
    }

    public string Id { get; }

    public DateTimeOffset StartedAt { get; }

    /// <summary>One of <see cref="ImportStates"/>.</summary>
    public string State => _state;

    /// <summary>Ratings read and checked so far (a repeated pair counts each time).</summary>
    public long Ratings => Volatile.Read(ref _ratings);

    /// <summary>Distinct users, once the body has been read; null before.</summary>
    public int? Users => Volatile.Read(ref _users) is >= 0 and var users ? users : null;

    /// <summary>Why the import stored nothing, once it failed.</summary>
    public string? Detail => _detail;

    /// <summary>Time since it started, or its whole duration once it ended.</summary>
    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(_started, Volatile.Read(ref _ended) is > 0 and var ended ? ended : Stopwatch.GetTimestamp());

    /// <summary>Ratings read per second over <see cref="Elapsed"/>.</summary>
    public double RatingsPerSecond => Elapsed.TotalSeconds > 0 ? Ratings / Elapsed.TotalSeconds : 0;

    internal void Read(long ratings) => Volatile.Write(ref _ratings, ratings);

    internal void Applying(int users)
    {
        Volatile.Write(ref _users, users);
        _state = ImportStates.Applying;
    }

    internal void End(string? failure)
    {
        _detail = failure;
        Volatile.Write(ref _ended, Stopwatch.GetTimestamp());
        _state = failure is null ? ImportStates.Imported : ImportStates.Failed;
        _tracker.Ended(this);
    }
}

/// <summary>The states of an import.</summary>
public static class ImportStates
{
    /// <summary>Reading and checking the body; the store is not locked.</summary>
    public const string Staging = "staging";

    /// <summary>Writing the checked ratings, holding the store's write lock.</summary>
    public const string Applying = "applying";

    /// <summary>Committed.</summary>
    public const string Imported = "imported";

    /// <summary>Ended with nothing stored (a bad line, a stalled body, a busy or full store, a cancelled request).</summary>
    public const string Failed = "failed";
}
