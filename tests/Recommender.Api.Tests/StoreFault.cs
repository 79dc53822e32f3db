using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Recommender.Api.Tests;

/// <summary>
/// An EF Core interceptor a test adds to the service's DbContext to make the store fail as SQLite does: with
/// <see cref="FailAtBegin"/> every transaction fails to begin (as a locked database answers SQLITE_BUSY there), with
/// <see cref="FailAtCommit"/> every commit fails (as a full disk answers SQLITE_FULL when the WAL grows); either way a
/// write statement outside a transaction fails too. Reads are left alone. No production code knows about it.
/// </summary>
internal sealed class StoreFault : DbCommandInterceptor, IDbTransactionInterceptor
{
    public const int SqliteBusy = 5;
    public const int SqliteFull = 13;

    private volatile Fault? _fault;

    private sealed record Fault(int Code, bool AtCommit);

    public void FailAtBegin(int sqliteCode) => _fault = new Fault(sqliteCode, AtCommit: false);

    public void FailAtCommit(int sqliteCode) => _fault = new Fault(sqliteCode, AtCommit: true);

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
            throw new SqliteException($"SQLite Error {fault.Code}: injected by a test.", fault.Code);
        }
    }
}
