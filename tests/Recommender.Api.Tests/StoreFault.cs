using System.Data.Common;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace Recommender.Api.Tests;

/// <summary>
/// An EF Core interceptor a test adds to the service's DbContext to make the store fail as its database does: with
/// <see cref="FailAtBegin"/> every transaction fails to begin (as a locked SQLite database answers SQLITE_BUSY there), with
/// <see cref="FailAtCommit"/> every commit fails (as a full disk answers SQLITE_FULL when the WAL grows, or PostgreSQL
/// disk_full when it writes its WAL at commit); either way a write statement outside a transaction fails too. The error
/// is the run's provider's own (<see cref="TestStore"/>): a <see cref="SqliteException"/> with SQLite's code, a
/// <see cref="PostgresException"/> with PostgreSQL's SQLSTATE, or the <see cref="NpgsqlException"/> of a refused
/// connection. Reads are left alone. No production code knows about it.
/// </summary>
public sealed class StoreFault : DbCommandInterceptor, IDbTransactionInterceptor
{
    private volatile Fault? _fault;

    /// <summary>What goes wrong.</summary>
    public enum Kind
    {
        /// <summary>SQLITE_BUSY; PostgreSQL's lock_not_available (55P03), a lock_timeout that passed.</summary>
        Busy,

        /// <summary>SQLITE_FULL; PostgreSQL's disk_full (53100).</summary>
        Full,

        /// <summary>PostgreSQL's serialization_failure (40001).</summary>
        Serialization,

        /// <summary>PostgreSQL's deadlock_detected (40P01).</summary>
        Deadlock,

        /// <summary>PostgreSQL's server refuses the connection.</summary>
        Refused,
    }

    private sealed record Fault(Kind Kind, bool AtCommit);

    public void FailAtBegin(Kind kind) => _fault = new Fault(kind, AtCommit: false);

    public void FailAtCommit(Kind kind) => _fault = new Fault(kind, AtCommit: true);

    public void Clear() => _fault = null;

    public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        Check(command);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Check(command);
        return ValueTask.FromResult(result);
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Check(command);
        return ValueTask.FromResult(result);
    }

    public InterceptionResult<DbTransaction> TransactionStarting(DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result)
    {
        Throw(atCommit: false);
        return result;
    }

    public ValueTask<InterceptionResult<DbTransaction>> TransactionStartingAsync(
        DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result, CancellationToken cancellationToken = default)
    {
        Throw(atCommit: false);
        return ValueTask.FromResult(result);
    }

    public InterceptionResult TransactionCommitting(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result)
    {
        Throw(atCommit: true);
        return result;
    }

    public ValueTask<InterceptionResult> TransactionCommittingAsync(
        DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
    {
        Throw(atCommit: true);
        return ValueTask.FromResult(result);
    }

    /// <summary>A write statement run on its own commits at once, so it fails at either point.</summary>
    private void Check(DbCommand command)
    {
        var sql = command.CommandText.TrimStart();
        if (command.Transaction is null && (sql.StartsWith("INSERT", StringComparison.OrdinalIgnoreCase)
            || sql.StartsWith("UPDATE", StringComparison.OrdinalIgnoreCase) || sql.StartsWith("DELETE", StringComparison.OrdinalIgnoreCase)))
        {
            Throw(atCommit: null);
        }
    }

    private void Throw(bool? atCommit)
    {
        if (_fault is { } fault && (atCommit is null || fault.AtCommit == atCommit))
        {
            throw TestStore.IsPostgres ? Postgres(fault.Kind) : Sqlite(fault.Kind);
        }
    }

    private static SqliteException Sqlite(Kind kind) => kind switch
    {
        Kind.Busy => new SqliteException("SQLite Error 5: 'database is locked', injected by a test.", 5),
        Kind.Full => new SqliteException("SQLite Error 13: 'database or disk is full', injected by a test.", 13),
        _ => throw new NotSupportedException($"SQLite has no {kind} failure."),
    };

    private static NpgsqlException Postgres(Kind kind) => kind switch
    {
        Kind.Busy => new PostgresException("canceling statement due to lock timeout, injected by a test", "ERROR", "ERROR", PostgresErrorCodes.LockNotAvailable),
        Kind.Full => new PostgresException("could not extend file: No space left on device, injected by a test", "ERROR", "ERROR", PostgresErrorCodes.DiskFull),
        Kind.Serialization => new PostgresException("could not serialize access, injected by a test", "ERROR", "ERROR", PostgresErrorCodes.SerializationFailure),
        Kind.Deadlock => new PostgresException("deadlock detected, injected by a test", "ERROR", "ERROR", PostgresErrorCodes.DeadlockDetected),
        _ => new NpgsqlException("Failed to connect to 127.0.0.1:5432, injected by a test", new SocketException((int)SocketError.ConnectionRefused)),
    };
}
