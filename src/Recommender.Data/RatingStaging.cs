using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Recommender.Data;

/// <summary>
/// An import's ratings, staged before the store is locked and then applied in one go. Staging writes them to a table in
/// the connection's own temporary database (SQLite keeps it in a file under its temporary directory, deleted when the
/// connection closes, even after a crash), deduplicated on (user, item) with the last value winning; so reading and
/// checking a body that arrives slowly holds no lock on the store, and memory stays at the page caches below however
/// large the body is. <see cref="ApplyAsync"/> then writes users, items and ratings with one statement each, in
/// primary-key order, inside the caller's write transaction.
/// </summary>
/// <remarks>
/// SQLite only. The staging context gets a connection of its own that is not pooled, so its temporary database (and the
/// disk it took) goes when the context is disposed.
/// </remarks>
public sealed class RatingStaging : IDisposable
{
    /// <summary>Page cache of the temporary database while staging (SQLite's default is 2 MB).</summary>
    private const int StagingCacheKiB = 32 * 1024;

    /// <summary>Page cache of the store while applying: the item index takes the new rows in random order.</summary>
    private const int ApplyCacheKiB = 64 * 1024;

    private readonly RecommenderDbContext _db;
    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _transaction;
    private readonly SqliteCommand _insert;

    private RatingStaging(RecommenderDbContext db, SqliteConnection connection, SqliteTransaction transaction, SqliteCommand insert)
    {
        _db = db;
        _connection = connection;
        _transaction = transaction;
        _insert = insert;
    }

    /// <summary>Ratings added so far (a repeated pair counts each time).</summary>
    public long Added { get; private set; }

    /// <summary>
    /// Starts staging on <paramref name="db"/>, a context that has not opened its connection yet; it is given a connection
    /// of its own. Dispose the staging before the context.
    /// </summary>
    public static async Task<RatingStaging> CreateAsync(RecommenderDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var builder = new SqliteConnectionStringBuilder(db.Database.GetConnectionString()) { Pooling = false };
        db.Database.SetDbConnection(new SqliteConnection(builder.ToString()), contextOwnsConnection: true);
        await db.Database.OpenConnectionAsync(cancellationToken);
        var connection = (SqliteConnection)db.Database.GetDbConnection();
        await using (var setUp = connection.CreateCommand())
        {
            setUp.CommandText = $"""
                PRAGMA temp.cache_size = -{StagingCacheKiB};
                PRAGMA main.cache_size = -{ApplyCacheKiB};
                CREATE TEMP TABLE "import_ratings" (
                    "UserId" TEXT NOT NULL, "ItemId" TEXT NOT NULL, "Value" REAL NOT NULL, "Timestamp" INTEGER NOT NULL,
                    PRIMARY KEY ("UserId", "ItemId")) WITHOUT ROWID;
                """;
            await setUp.ExecuteNonQueryAsync(cancellationToken);
        }

        // Deferred: it writes only the temporary database, so it takes no lock on the store.
        var transaction = connection.BeginTransaction(deferred: true);
        var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO temp."import_ratings" VALUES (@u, @i, @v, @t)
            ON CONFLICT DO UPDATE SET "Value" = excluded."Value", "Timestamp" = excluded."Timestamp"
            """;
        foreach (var name in (string[])["@u", "@i", "@v", "@t"])
        {
            insert.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        insert.Prepare();
        return new RatingStaging(db, connection, transaction, insert);
    }

    /// <summary>Stages one rating; a later one for the same (user, item) replaces it.</summary>
    public void Add(string userId, string itemId, double value, long timestamp)
    {
        _insert.Parameters[0].Value = userId;
        _insert.Parameters[1].Value = itemId;
        _insert.Parameters[2].Value = value;
        _insert.Parameters[3].Value = timestamp;
        _insert.ExecuteNonQuery();
        Added++;
    }

    /// <summary>Ends staging; returns the number of distinct users staged.</summary>
    public async Task<int> CompleteAsync(CancellationToken cancellationToken)
    {
        await _transaction.CommitAsync(cancellationToken);
        await using var count = _connection.CreateCommand();
        count.CommandText = """SELECT COUNT(DISTINCT "UserId") FROM temp."import_ratings";""";
        return Convert.ToInt32(await count.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Writes the staged ratings to the store inside the context's open transaction, which has bumped the data version to
    /// <paramref name="dataVersion"/>: new users and items first, then the ratings in primary-key order. Cancelling
    /// <paramref name="cancellationToken"/> interrupts the statement that is running.
    /// </summary>
    public async Task ApplyAsync(long createdAt, long dataVersion, CancellationToken cancellationToken)
    {
        if (_db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("Begin a transaction before applying staged ratings.");
        }

        // A running SQLite statement does not observe a cancellation token; sqlite3_interrupt stops it where it is.
        await using var interrupt = cancellationToken.Register(() => SQLitePCL.raw.sqlite3_interrupt(_connection.Handle));
        await _db.Database.ExecuteSqlRawAsync(
            """
            INSERT INTO main."users" ("Id", "CreatedAt", "RatingsVersion")
            SELECT "UserId", @t, @v FROM temp."import_ratings" WHERE true GROUP BY "UserId"
            ON CONFLICT ("Id") DO UPDATE SET "RatingsVersion" = excluded."RatingsVersion";
            """,
            [new SqliteParameter("@t", createdAt), new SqliteParameter("@v", dataVersion)],
            cancellationToken);
        await _db.Database.ExecuteSqlRawAsync(
            """
            INSERT INTO main."items" ("Id", "CreatedAt")
            SELECT DISTINCT "ItemId", @t FROM temp."import_ratings" WHERE true
            ON CONFLICT ("Id") DO NOTHING;
            """,
            [new SqliteParameter("@t", createdAt)],
            cancellationToken);
        await _db.Database.ExecuteSqlRawAsync(
            """
            INSERT INTO main."ratings" ("UserId", "ItemId", "Value", "Timestamp")
            SELECT "UserId", "ItemId", "Value", "Timestamp" FROM temp."import_ratings" WHERE true ORDER BY "UserId", "ItemId"
            ON CONFLICT ("UserId", "ItemId") DO UPDATE SET "Value" = excluded."Value", "Timestamp" = excluded."Timestamp";
            """,
            cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>The staged users' ids, read one by one (enumerate it before the staging is disposed).</summary>
    public IEnumerable<string> UserIds()
    {
        using var query = _connection.CreateCommand();
        query.CommandText = """SELECT DISTINCT "UserId" FROM temp."import_ratings";""";
        using var reader = query.ExecuteReader();
        while (reader.Read())
        {
            yield return reader.GetString(0);
        }
    }

    public void Dispose()
    {
        _insert.Dispose();
        _transaction.Dispose();
    }
}
