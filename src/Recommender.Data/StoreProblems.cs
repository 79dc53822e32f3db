using Microsoft.Data.Sqlite;

namespace Recommender.Data;

/// <summary>What kept the store from taking a write.</summary>
public enum StoreProblem
{
    /// <summary>Another connection held the lock past the busy timeout (SQLITE_BUSY, SQLITE_LOCKED): transient.</summary>
    Busy,

    /// <summary>The disk is full (SQLITE_FULL, or an I/O error that says so).</summary>
    Full,

    /// <summary>The file cannot be written: an I/O error, a read-only or unopenable file, corruption.</summary>
    Unavailable,
}

/// <summary>Recognises the store's own failures among exceptions; the SQLite error codes live here, not in the service.</summary>
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
                case IOException io when DiskFullResults.Contains(io.HResult):
                    return StoreProblem.Full;
            }
        }

        return null;
    }
}
