using Microsoft.Data.Sqlite;
using Npgsql;

namespace Recommender.Data;

/// <summary>What kept the store from taking a write.</summary>
public enum StoreProblem
{
    /// <summary>
    /// Transient: another writer held the lock past the timeout (SQLITE_BUSY, SQLITE_LOCKED; on PostgreSQL the command
    /// timeout, or lock_not_available when the server sets a lock_timeout), or PostgreSQL aborted the write in a conflict (serialization failure, deadlock) or for want
    /// of a resource it frees by itself (too many connections, a statement timeout).
    /// </summary>
    Busy,

    /// <summary>The disk is full (SQLITE_FULL, PostgreSQL's disk_full, or an I/O error that says so).</summary>
    Full,

    /// <summary>The store cannot be written: an I/O error, a read-only or unopenable file, corruption, a read-only server.</summary>
    Unavailable,

    /// <summary>
    /// Transient: the database server could not be reached — it refused the connection, dropped it, or is starting or
    /// shutting down. Whether a commit that was under way when the connection broke took
    /// effect cannot be known.
    /// </summary>
    Unreachable,
}

/// <summary>Recognises the store's own failures among exceptions; SQLite's and PostgreSQL's error codes live here, not in the service.</summary>
public static class StoreProblems
{
    private const int SqliteReadOnly = 8;
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqliteIoError = 10;
    private const int SqliteCorrupt = 11;
    private const int SqliteFull = 13;
    private const int SqliteCantOpen = 14;
    private const int SqliteNotADatabase = 26;

    /// <summary>ENOSPC on Linux and macOS, ERROR_HANDLE_DISK_FULL and ERROR_DISK_FULL on Windows.</summary>
    private static readonly int[] DiskFullResults = [28, unchecked((int)0x80070027), unchecked((int)0x80070070)];

    /// <summary>The store problem behind <paramref name="exception"/> (or an exception it wraps), or null when it is something else.</summary>
    public static StoreProblem? Of(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SqliteException sqlite:
                    return (sqlite.SqliteErrorCode & 0xFF) switch
                    {
                        SqliteBusy or SqliteLocked => StoreProblem.Busy,
                        SqliteFull => StoreProblem.Full,
                        SqliteReadOnly or SqliteIoError or SqliteCorrupt or SqliteCantOpen or SqliteNotADatabase => StoreProblem.Unavailable,
                        _ => null,
                    };
                case PostgresException postgres:
                    return Of(postgres.SqlState);
                case NpgsqlException { InnerException: TimeoutException }:
                    // The command timeout passed: most often a wait for another writer's lock, as SQLite's busy timeout.
                    return StoreProblem.Busy;
                case NpgsqlException { IsTransient: true }:
                    // Not an error the server sent: the connection was refused or broke.
                    return StoreProblem.Unreachable;
                case IOException io when DiskFullResults.Contains(io.HResult):
                    return StoreProblem.Full;
            }
        }

        return null;
    }

    /// <summary>PostgreSQL's SQLSTATE codes (appendix A of its manual) that say the store, not the request, is at fault.</summary>
    private static StoreProblem? Of(string sqlState) => sqlState switch
    {
        "53100" => StoreProblem.Full, // disk_full
        "40001" or "40P01" or "55P03" => StoreProblem.Busy, // serialization_failure, deadlock_detected, lock_not_available
        "57014" => StoreProblem.Busy, // query_canceled: statement_timeout (the service's own cancellations never get here)
        "53000" or "53200" or "53300" or "53400" => StoreProblem.Busy, // insufficient_resources, out_of_memory, too_many_connections, configuration_limit_exceeded
        "57P01" or "57P02" or "57P03" => StoreProblem.Unreachable, // admin_shutdown, crash_shutdown, cannot_connect_now
        _ when sqlState.StartsWith("08", StringComparison.Ordinal) => StoreProblem.Unreachable, // connection_exception
        "25006" => StoreProblem.Unavailable, // read_only_sql_transaction: a standby, or default_transaction_read_only
        "58030" or "XX001" or "XX002" => StoreProblem.Unavailable, // io_error, data_corrupted, index_corrupted
        _ => null,
    };
}
