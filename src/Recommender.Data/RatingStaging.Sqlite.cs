using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Recommender.Data;

public abstract partial class RatingStaging
{
    /// <summary>Page cache of the store while applying: the item index takes the new rows in random order.</summary>
    private const int ApplyCacheKiB = 64 * 1024;

    /// <summary>
    /// SQLite, past the in-memory budget (<see cref="SqliteMemory"/>): a <c>WITHOUT ROWID</c> table in the connection's
    /// temporary database, deduplicated as rows arrive by its primary key.
    /// </summary>
    private sealed class Sqlite : RatingStaging
    {
        /// <summary>Page cache of the temporary database while staging (SQLite's default is 2 MB).</summary>
        private const int StagingCacheKiB = 32 * 1024;


        private readonly RecommenderDbContext _db;
        private readonly SqliteConnection _connection;
        private readonly SqliteTransaction _transaction;
        private readonly SqliteCommand _insert;

        private Sqlite(RecommenderDbContext db, SqliteConnection connection, SqliteTransaction transaction, SqliteCommand insert)
        {
            _db = db;
            _connection = connection;
            _transaction = transaction;
            _insert = insert;
        }

        /// <summary>
        /// Gives <paramref name="db"/> a connection of its own, not pooled, so the import's temporary database (and the
        /// disk it took) goes when the context is disposed. Foreign keys are not checked on it: an apply writes the
        /// users and items of its ratings itself, in the same transaction, so they hold by construction, and checking
        /// them would cost two index lookups per rating.
        /// </summary>
        public static async Task<SqliteConnection> OpenConnectionAsync(RecommenderDbContext db, CancellationToken cancellationToken)
        {
            var builder = new SqliteConnectionStringBuilder(db.Database.GetConnectionString()) { Pooling = false };
            db.Database.SetDbConnection(new SqliteConnection(builder.ToString()), contextOwnsConnection: true);
            await db.Database.OpenConnectionAsync(cancellationToken);
            var connection = (SqliteConnection)db.Database.GetDbConnection();
            await using var setUp = connection.CreateCommand();
            setUp.CommandText = $"PRAGMA foreign_keys = OFF; PRAGMA main.cache_size = -{ApplyCacheKiB};";
            await setUp.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }

        /// <summary>Creates the temporary table on <paramref name="connection"/> (from <see cref="OpenConnectionAsync"/>).</summary>
        public static async Task<Sqlite> CreateAsync(RecommenderDbContext db, SqliteConnection connection, CancellationToken cancellationToken)
        {
            await using (var setUp = connection.CreateCommand())
            {
                setUp.CommandText = $"""
                    PRAGMA temp.cache_size = -{StagingCacheKiB};
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
            return new Sqlite(db, connection, transaction, insert);
        }

        public override ValueTask AddAsync(string userId, string itemId, double value, long timestamp, CancellationToken cancellationToken)
        {
            _insert.Parameters[0].Value = userId;
            _insert.Parameters[1].Value = itemId;
            _insert.Parameters[2].Value = value;
            _insert.Parameters[3].Value = timestamp;
            _insert.ExecuteNonQuery();
            Added++;
            return ValueTask.CompletedTask;
        }

        public override async Task<int> CompleteAsync(CancellationToken cancellationToken)
        {
            await _transaction.CommitAsync(cancellationToken);
            await using var count = _connection.CreateCommand();
            count.CommandText = """SELECT COUNT(DISTINCT "UserId") FROM temp."import_ratings";""";
            return Convert.ToInt32(await count.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        }

        public override async Task ApplyAsync(long createdAt, long dataVersion, CancellationToken cancellationToken)
        {
            EnsureTransaction(_db);

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

        public override IEnumerable<string> UserIds()
        {
            using var query = _connection.CreateCommand();
            query.CommandText = """SELECT DISTINCT "UserId" FROM temp."import_ratings";""";
            using var reader = query.ExecuteReader();
            while (reader.Read())
            {
                yield return reader.GetString(0);
            }
        }

        public override ValueTask DisposeAsync()
        {
            _insert.Dispose();
            _transaction.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
