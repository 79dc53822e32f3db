using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Recommender.Api.Options;
using StackExchange.Redis;

namespace Recommender.Api.Cluster;

/// <summary>
/// Model snapshots cached in Redis (when <c>Redis:Connection</c> is set and <see cref="RedisOptions.SnapshotCacheTtl"/> is
/// not zero), so replicas that start or follow a new version read it from memory rather than from PostgreSQL. Entries
/// are addressed by the snapshot's SHA-256 — <c>{Channel}:snapshot:{sha256}</c> holds the length and the number of
/// chunks, <c>…:{sha256}:{n}</c> the chunks of <see cref="ChunkSize"/> bytes — so deployments sharing a Redis never
/// mix theirs up, and whatever is read is hashed again and served only when it matches the checksum PostgreSQL holds.
/// </summary>
/// <remarks>
/// The cache is only ever a shortcut: a miss, an incomplete or altered entry, or Redis being down sends the reader to
/// PostgreSQL (and a reader that went there fills the cache for the next one); every error is logged and dropped.
/// Entries expire after the time to live instead of being pruned with their versions.
/// </remarks>
public sealed class SnapshotCache(ClusterBus bus, IOptions<RedisOptions> options, ILogger<SnapshotCache> logger)
{
    /// <summary>Bytes per cached chunk (Redis strings may hold 512 MB, but large values stall its one thread).</summary>
    public const int ChunkSize = 8 * 1024 * 1024;

    private long _hits;
    private long _misses;
    private long _rejected;

    /// <summary>Snapshots read from the cache and verified.</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>Snapshots the cache did not hold (whole), or could not be asked for.</summary>
    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>Snapshots read from the cache whose checksum did not match: not served.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    private IDatabase? Database => options.Value.SnapshotCacheTtl > TimeSpan.Zero ? bus.Database : null;

    private RedisKey Entry(string checksum) => $"{options.Value.Channel}:snapshot:{checksum}";

    private RedisKey Chunk(string checksum, int index) => $"{options.Value.Channel}:snapshot:{checksum}:{index.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Caches the snapshot file at <paramref name="path"/>, whose SHA-256 is <paramref name="checksum"/>; the entry last.</summary>
    public async Task StoreAsync(string path, string checksum, CancellationToken cancellationToken)
    {
        if (Database is not { } redis)
        {
            return;
        }

        try
        {
            var ttl = options.Value.SnapshotCacheTtl;
            var buffer = new byte[ChunkSize];
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
            var chunks = 0;
            int read;
            while ((read = await file.ReadAtLeastAsync(buffer, ChunkSize, throwOnEndOfStream: false, cancellationToken)) > 0)
            {
                await redis.StringSetAsync(Chunk(checksum, chunks++), buffer.AsMemory(0, read), ttl);
            }

            await redis.StringSetAsync(Entry(checksum), $"{file.Length} {chunks}", ttl);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning("Could not cache snapshot {Checksum} in Redis: {Message}", checksum, e.Message);
        }
    }

    /// <summary>
    /// Writes the cached snapshot whose SHA-256 should be <paramref name="checksum"/> to <paramref name="destination"/>;
    /// true when it was cached whole and hashes to that. False, with <paramref name="destination"/> holding anything, when
    /// it was not: read it from the store then.
    /// </summary>
    public async Task<bool> TryCopyAsync(string checksum, Stream destination, CancellationToken cancellationToken)
    {
        if (Database is not { } redis)
        {
            return false;
        }

        try
        {
            var entry = (string?)await redis.StringGetAsync(Entry(checksum));
            if (entry?.Split(' ') is not [var lengthText, var chunksText]
                || !long.TryParse(lengthText, CultureInfo.InvariantCulture, out var length)
                || !int.TryParse(chunksText, CultureInfo.InvariantCulture, out var chunks))
            {
                Interlocked.Increment(ref _misses);
                return false;
            }

            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long written = 0;
            for (var index = 0; index < chunks; index++)
            {
                using var chunk = await redis.StringGetLeaseAsync(Chunk(checksum, index));
                if (chunk is null)
                {
                    Interlocked.Increment(ref _misses);
                    return false;
                }

                hash.AppendData(chunk.Span);
                await destination.WriteAsync(chunk.Memory, cancellationToken);
                written += chunk.Length;
            }

            if (written != length || Convert.ToHexStringLower(hash.GetHashAndReset()) != checksum)
            {
                Interlocked.Increment(ref _rejected);
                logger.LogWarning("The snapshot {Checksum} cached in Redis does not hash to its checksum: it is read from the store instead", checksum);
                return false;
            }

            Interlocked.Increment(ref _hits);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Interlocked.Increment(ref _misses);
            logger.LogWarning("Could not read snapshot {Checksum} from Redis: {Message}", checksum, e.Message);
            return false;
        }
    }
}
