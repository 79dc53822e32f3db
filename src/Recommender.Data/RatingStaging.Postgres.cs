using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace Recommender.Data;

public abstract partial class RatingStaging
{
    /// <summary>
    /// PostgreSQL: the rows stream into a temporary table with binary <c>COPY</c> (Npgsql's binary importer: no statement
    /// per row), numbered in file order. Completing makes them distinct — the last line of each pair wins — into a second
    /// temporary table written in primary-key order, and lists the distinct users, all before the store is locked; the
    /// apply then only copies. Temporary tables live in the session's own buffers and files, not in the WAL, and go with
    /// the session (and the connection), whatever ends the import.
    /// </summary>
    private sealed class Postgres : RatingStaging
    {
        /// <summary>Sort memory of the statement that makes the staged rows distinct (PostgreSQL's default is 4 MB).</summary>
        private const string CompleteWorkMem = "64MB";

        private readonly RecommenderDbContext _db;
        private readonly NpgsqlConnection _connection;
        private NpgsqlBinaryImporter? _importer;

        private Postgres(RecommenderDbContext db, NpgsqlConnection connection, NpgsqlBinaryImporter importer)
        {
            _db = db;
            _connection = connection;
            _importer = importer;
        }

        public static async Task<RatingStaging> CreateAsync(RecommenderDbContext db, CancellationToken cancellationToken)
        {
            // Opened here, the connection stays open until the context is disposed: the apply runs on it, where the
            // temporary tables are.
            await db.Database.OpenConnectionAsync(cancellationToken);
            var connection = (NpgsqlConnection)db.Database.GetDbConnection();
            await ExecuteAsync(
                connection,
                """
                DROP TABLE IF EXISTS pg_temp."import_ratings", pg_temp."import_unique", pg_temp."import_users";
                CREATE TEMP TABLE "import_ratings" (
                    "UserId" text COLLATE "C" NOT NULL, "ItemId" text COLLATE "C" NOT NULL,
                    "Value" double precision NOT NULL, "Timestamp" bigint NOT NULL, "Line" bigint NOT NULL);
                """,
                cancellationToken);
            var importer = await connection.BeginBinaryImportAsync(
                """COPY pg_temp."import_ratings" ("UserId", "ItemId", "Value", "Timestamp", "Line") FROM STDIN (FORMAT BINARY)""",
                cancellationToken);
            return new Postgres(db, connection, importer);
        }

        public override async ValueTask AddAsync(string userId, string itemId, double value, long timestamp, CancellationToken cancellationToken)
        {
            var importer = _importer ?? throw new InvalidOperationException("Staging has completed.");
            await importer.StartRowAsync(cancellationToken);
            await importer.WriteAsync(userId, NpgsqlDbType.Text, cancellationToken);
            await importer.WriteAsync(itemId, NpgsqlDbType.Text, cancellationToken);
            await importer.WriteAsync(value, NpgsqlDbType.Double, cancellationToken);
            await importer.WriteAsync(timestamp, NpgsqlDbType.Bigint, cancellationToken);
            await importer.WriteAsync(Added, NpgsqlDbType.Bigint, cancellationToken);
            Added++;
        }

        public override async Task<int> CompleteAsync(CancellationToken cancellationToken)
        {
            if (_importer is { } importer)
            {
                await importer.CompleteAsync(cancellationToken);
                await importer.DisposeAsync();
                _importer = null;
            }

            await using var transaction = await _connection.BeginTransactionAsync(cancellationToken);
            await ExecuteAsync(
                _connection,
                $"""
                SET LOCAL work_mem = '{CompleteWorkMem}';
                CREATE TEMP TABLE "import_unique" AS
                    SELECT DISTINCT ON ("UserId", "ItemId") "UserId", "ItemId", "Value", "Timestamp" FROM pg_temp."import_ratings"
                    ORDER BY "UserId", "ItemId", "Line" DESC;
                DROP TABLE pg_temp."import_ratings";
                CREATE TEMP TABLE "import_users" AS SELECT DISTINCT "UserId" FROM pg_temp."import_unique" ORDER BY "UserId";
                """,
                cancellationToken);
            await using var count = new NpgsqlCommand("""SELECT count(*) FROM pg_temp."import_users" """, _connection, transaction);
            var users = Convert.ToInt32(await count.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
            await transaction.CommitAsync(cancellationToken);
            return users;
        }

        public override async Task ApplyAsync(long createdAt, long dataVersion, CancellationToken cancellationToken)
        {
            EnsureTransaction(_db);

            // Bounded by the caller's token (Limits:ImportApplyTimeout), which Npgsql turns into a cancel request that
            // stops the running statement; not by the command timeout meant for single writes.
            _db.Database.SetCommandTimeout(0);
            await _db.Database.ExecuteSqlRawAsync(
                """
                INSERT INTO "users" ("Id", "CreatedAt", "RatingsVersion") SELECT "UserId", @t, @v FROM pg_temp."import_users"
                ON CONFLICT ("Id") DO UPDATE SET "RatingsVersion" = excluded."RatingsVersion";
                INSERT INTO "items" ("Id", "CreatedAt") SELECT DISTINCT "ItemId", @t FROM pg_temp."import_unique" ORDER BY 1
                ON CONFLICT ("Id") DO NOTHING;
                INSERT INTO "ratings" ("UserId", "ItemId", "Value", "Timestamp")
                SELECT "UserId", "ItemId", "Value", "Timestamp" FROM pg_temp."import_unique"
                ON CONFLICT ("UserId", "ItemId") DO UPDATE SET "Value" = excluded."Value", "Timestamp" = excluded."Timestamp";
                """,
                [new NpgsqlParameter("t", createdAt), new NpgsqlParameter("v", dataVersion)],
                cancellationToken);
        }

        public override IEnumerable<string> UserIds()
        {
            using var query = new NpgsqlCommand("""SELECT "UserId" FROM pg_temp."import_users" """, _connection);
            using var reader = query.ExecuteReader();
            while (reader.Read())
            {
                yield return reader.GetString(0);
            }
        }

        public override async ValueTask DisposeAsync()
        {
            if (_importer is { } importer)
            {
                // Not completed: disposing cancels the COPY, and nothing of it stays.
                await importer.DisposeAsync();
            }

            try
            {
                // The pool would drop them when it resets the session; a long-lived pooled session should not carry them.
                await ExecuteAsync(_connection, """DROP TABLE IF EXISTS pg_temp."import_ratings", pg_temp."import_unique", pg_temp."import_users";""", CancellationToken.None);
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
            {
                // The connection broke or closed: its session, and the tables with it, are gone.
            }
        }

        private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
        {
            await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
