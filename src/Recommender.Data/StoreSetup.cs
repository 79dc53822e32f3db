using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace Recommender.Data;

/// <summary>Readies the store at start-up, each provider in its own way.</summary>
public static class StoreSetup
{
    /// <summary>
    /// Applies the migrations of the context's provider. SQLite: the file's folder is created first and the
    /// write-ahead log is turned on after. PostgreSQL: EF Core holds an advisory lock while it migrates, so services
    /// starting together migrate once. Returns what weakens the store's durability, to be logged as warnings.
    /// </summary>
    public static async Task<IReadOnlyList<string>> MigrateAsync(RecommenderDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (db.Database.IsSqlite())
        {
            EnsureSqliteDirectory(db.Database.GetConnectionString());
        }

        else
        {
            await CreatePostgresDatabaseAsync(db, cancellationToken);
            await CreatePostgresHistoryTableAsync(db, cancellationToken);
        }

        await db.Database.MigrateAsync(cancellationToken);
        if (db.Database.IsSqlite())
        {
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
            return [];
        }

        return await PostgresDurabilityAsync(db, cancellationToken);
    }

    /// <summary>
    /// Creates the database the connection string names when the server has none of that name, as EF Core's migrations
    /// would if the history table were not made first: a new deployment needs a server and a user that may create
    /// databases, nothing made by hand. A user without that right gets PostgreSQL's own "permission denied" at start-up.
    /// </summary>
    private static async Task CreatePostgresDatabaseAsync(RecommenderDbContext db, CancellationToken cancellationToken)
    {
        var creator = db.GetService<IRelationalDatabaseCreator>();
        if (await creator.ExistsAsync(cancellationToken))
        {
            return;
        }

        try
        {
            await creator.CreateAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
            // Another service starting at the same moment created it.
        }
    }

    /// <summary>
    /// EF Core's PostgreSQL provider learns whether the migrations history table exists by querying it, which logs a
    /// failed command at Error level on every new database (npgsql/efcore.pg#3407). Creating the table first with EF
    /// Core's own idempotent script keeps that false alarm out of the log.
    /// </summary>
    private static async Task CreatePostgresHistoryTableAsync(RecommenderDbContext db, CancellationToken cancellationToken)
    {
        try
        {
            await db.Database.ExecuteSqlRawAsync(db.GetService<IHistoryRepository>().GetCreateIfNotExistsScript(), cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateTable)
        {
            // Another service starting at the same moment created it.
        }
    }

    /// <summary>
    /// A write is acknowledged after its commit returns. With <c>synchronous_commit=off</c> that is before its WAL is
    /// flushed, and with <c>fsync=off</c> nothing is flushed at all: a server crash then loses acknowledged writes.
    /// </summary>
    private static async Task<IReadOnlyList<string>> PostgresDurabilityAsync(RecommenderDbContext db, CancellationToken cancellationToken)
    {
        var settings = await db.Database
            .SqlQuery<string>($"SELECT name || '=' || setting AS \"Value\" FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit') AND setting = 'off'")
            .ToListAsync(cancellationToken);
        return [.. settings.Select(s => $"PostgreSQL runs with {s}: a crash of the database server can lose writes the service acknowledged.")];
    }

    private static void EnsureSqliteDirectory(string? connectionString)
    {
        var dataSource = new SqliteConnectionStringBuilder(connectionString).DataSource;
        var directory = Path.GetDirectoryName(Path.GetFullPath(dataSource));
        if (!string.IsNullOrEmpty(directory) && !dataSource.Equals(":memory:", StringComparison.Ordinal))
        {
            Directory.CreateDirectory(directory);
        }
    }
}
