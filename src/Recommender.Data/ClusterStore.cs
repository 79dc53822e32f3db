using System.Security.Cryptography;
using Npgsql;
using NpgsqlTypes;

namespace Recommender.Data;

/// <summary>The head of the shared store that every node of a cluster polls: the data version, the last user deletion, the current model.</summary>
public sealed record ClusterHead(long DataVersion, long UserDeletedVersion, long CurrentModel);

/// <summary>A published snapshot's header: its length in bytes and SHA-256 (lower-case hex).</summary>
public sealed record SnapshotHeader(long Version, long Length, string Checksum);

/// <summary>
/// PostgreSQL's SQL for running several nodes over one store (<c>Node:Role</c> api or trainer): the trainer lock and its
/// fencing epoch, immutable snapshots in <c>model_snapshots</c>/<c>model_snapshot_chunks</c>, and the
/// <c>model_current</c> pointer. The tables come from the PostgreSQL migration <c>Cluster</c>.
/// </summary>
/// <remarks>
/// Snapshots are stored as <c>bytea</c> chunks of <see cref="ChunkSize"/> bytes rather than one value or a large
/// object: no value comes near <c>bytea</c>'s 1 GB limit, neither side holds a whole snapshot in memory, and the rows are
/// ordinary (dumped, replicated and deleted with their version, no <c>lo_unlink</c> to forget).
/// </remarks>
public static class ClusterStore
{
    /// <summary>The trainer lock's key, two 32-bit halves (<c>pg_try_advisory_lock(int, int)</c>): "Reco", 1.</summary>
    public const int LockClass = 0x5265636F;

    public const int LockObject = 1;

    public const int ChunkSize = 8 << 20;

    /// <summary>
    /// Tries to take the trainer lock on <paramref name="connection"/> (a dedicated session); when taken, bumps the fencing
    /// epoch and returns it, else null.
    /// </summary>
    public static async Task<long?> TryAcquireTrainerLockAsync(NpgsqlConnection connection, string holder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using (var take = new NpgsqlCommand($"SELECT pg_try_advisory_lock({LockClass}, {LockObject})", connection))
        {
            if (!(bool)(await take.ExecuteScalarAsync(cancellationToken))!)
            {
                return null;
            }
        }

        await using var bump = new NpgsqlCommand(
            "UPDATE trainer_lease SET epoch = epoch + 1, holder = @holder, acquired_at = now() WHERE id = 1 RETURNING epoch", connection);
        bump.Parameters.AddWithValue("holder", holder);
        return (long)(await bump.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>True when <paramref name="connection"/>'s session holds the trainer lock (it answers, and pg_locks says so).</summary>
    public static async Task<bool> HoldsTrainerLockAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = new NpgsqlCommand(HeldCondition("SELECT"), connection);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static string HeldCondition(string prefix) => $"""
        {prefix} EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted
                   AND classid = {LockClass} AND objid = {LockObject} AND objsubid = 2)
        """;

    /// <summary>
    /// Inside the caller's transaction on the lock's own session: moves <c>model_current</c> to <paramref name="version"/>
    /// only if this session still holds the trainer lock, <paramref name="epoch"/> is still the lock's epoch (no other
    /// trainer took it since) and <paramref name="version"/> is newer than the current one. False when fenced or stale.
    /// </summary>
    public static async Task<bool> MoveCurrentAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long version, long epoch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = new NpgsqlCommand(
            $"""
            UPDATE model_current SET version = @version, epoch = @epoch, updated_at = now()
            WHERE id = 1 AND version < @version
              AND @epoch = (SELECT epoch FROM trainer_lease WHERE id = 1)
              AND {HeldCondition("")}
            """,
            connection,
            transaction);
        command.Parameters.AddWithValue("version", version);
        command.Parameters.AddWithValue("epoch", epoch);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>The head every node polls, in one round trip.</summary>
    public static async Task<ClusterHead> ReadHeadAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = new NpgsqlCommand(
            """SELECT s."DataVersion", s."UserDeletedVersion", c.version FROM store_state s, model_current c WHERE s."Id" = 1 AND c.id = 1""",
            connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new ClusterHead(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    /// <summary>The highest version that has a snapshot (published or not), or 0: a trainer never reuses one.</summary>
    public static async Task<long> MaxSnapshotVersionAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM model_snapshots", connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Stores the snapshot file at <paramref name="path"/> as <paramref name="version"/>, in one transaction; returns its header.</summary>
    public static async Task<SnapshotHeader> SaveSnapshotAsync(NpgsqlConnection connection, long version, string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[ChunkSize];
        var chunk = 0;
        while (true)
        {
            var filled = 0;
            int read;
            while (filled < buffer.Length && (read = await file.ReadAsync(buffer.AsMemory(filled), cancellationToken)) > 0)
            {
                filled += read;
            }

            if (filled == 0 && chunk > 0)
            {
                break;
            }

            hash.AppendData(buffer, 0, filled);
            await using (var insert = new NpgsqlCommand("INSERT INTO model_snapshot_chunks (version, chunk, data) VALUES (@v, @c, @d)", connection, transaction))
            {
                insert.Parameters.AddWithValue("v", version);
                insert.Parameters.AddWithValue("c", chunk);
                insert.Parameters.Add(new NpgsqlParameter("d", NpgsqlDbType.Bytea) { Value = new ReadOnlyMemory<byte>(buffer, 0, filled) });
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }

            chunk++;
            if (filled < buffer.Length)
            {
                break;
            }
        }

        var header = new SnapshotHeader(version, file.Length, Convert.ToHexStringLower(hash.GetHashAndReset()));
        await using (var insert = new NpgsqlCommand("INSERT INTO model_snapshots (version, length, checksum) VALUES (@v, @l, @c)", connection, transaction))
        {
            insert.Parameters.AddWithValue("v", version);
            insert.Parameters.AddWithValue("l", header.Length);
            insert.Parameters.AddWithValue("c", header.Checksum);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return header;
    }

    /// <summary>The header of <paramref name="version"/>'s snapshot, or null when the store has none.</summary>
    public static async Task<SnapshotHeader?> ReadSnapshotHeaderAsync(NpgsqlConnection connection, long version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = new NpgsqlCommand("SELECT length, checksum FROM model_snapshots WHERE version = @v", connection);
        command.Parameters.AddWithValue("v", version);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new SnapshotHeader(version, reader.GetInt64(0), reader.GetString(1)) : null;
    }

    /// <summary>Writes <paramref name="version"/>'s stored snapshot to <paramref name="destination"/>; returns the SHA-256 of what it wrote.</summary>
    public static async Task<string> CopySnapshotAsync(NpgsqlConnection connection, long version, Stream destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(destination);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var command = new NpgsqlCommand("SELECT data FROM model_snapshot_chunks WHERE version = @v ORDER BY chunk", connection);
        command.Parameters.AddWithValue("v", version);
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
        var buffer = new byte[1 << 16];
        while (await reader.ReadAsync(cancellationToken))
        {
            await using var data = await reader.GetStreamAsync(0, cancellationToken);
            int read;
            while ((read = await data.ReadAsync(buffer, cancellationToken)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Deletes the stored snapshots of <paramref name="versions"/> (never the current one).</summary>
    public static async Task DeleteSnapshotsAsync(NpgsqlConnection connection, IReadOnlyList<long> versions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = new NpgsqlCommand(
            """
            WITH gone AS (
                DELETE FROM model_snapshots WHERE version = ANY(@v) AND version <> (SELECT version FROM model_current WHERE id = 1)
                RETURNING version)
            DELETE FROM model_snapshot_chunks WHERE version IN (SELECT version FROM gone)
            """,
            connection);
        command.Parameters.AddWithValue("v", versions.ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Computes the SHA-256 of a file (lower-case hex), to check a local copy against its header.</summary>
    public static async Task<string> ChecksumAsync(string path, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(file, cancellationToken));
    }
}
