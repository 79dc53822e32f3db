using System.Collections.Concurrent;
using Recommender.Api.Telemetry;

namespace Recommender.Api.Training;

/// <summary>
/// The serialized JSON bodies of one published version's answers for its trained users, keyed by user and list length.
/// Such an answer cannot change while the version serves (a user who rates after it was trained is folded in and never
/// looked up here), so the second request for it writes the bytes kept from the first: no ranking, predicting or
/// JSON writing. Kept up to a budget of bytes (64 MiB unless told); past it, answers are written without being kept.
/// </summary>
public sealed class ResponseCache(long maxBytes = ResponseCache.DefaultMaxBytes)
{
    /// <summary>Bytes of bodies kept at most per version, unless told otherwise: about 90,000 lists of ten items.</summary>
    public const long DefaultMaxBytes = 64L << 20;

    private readonly ConcurrentDictionary<(int User, int Count), byte[]> _bodies = new();
    private long _bytes;

    /// <summary>Number of bodies kept.</summary>
    public int Count => _bodies.Count;

    /// <summary>Bytes of the bodies kept.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>The body kept for trained user <paramref name="user"/>'s list of <paramref name="count"/>, if any.</summary>
    public bool TryGet(int user, int count, out byte[] body)
    {
        var hit = _bodies.TryGetValue((user, count), out body!);
        RecommenderTelemetry.CountCacheLookup("response", hit);
        return hit;
    }

    /// <summary>Keeps <paramref name="body"/> as trained user <paramref name="user"/>'s list of <paramref name="count"/>, while the budget allows.</summary>
    public void Add(int user, int count, byte[] body)
    {
        if (Interlocked.Add(ref _bytes, body.Length) > maxBytes || !_bodies.TryAdd((user, count), body))
        {
            Interlocked.Add(ref _bytes, -body.Length);
        }
    }
}
