using System.Data.Common;

namespace Recommender.Data;

public abstract partial class RatingUpserter
{
    /// <summary>
    /// SQLite: prepared statements, row by row (a statement costs microseconds in-process). The SQL is the
    /// <c>INSERT … ON CONFLICT … DO UPDATE</c> SQLite shares with PostgreSQL.
    /// </summary>
    private sealed class Sqlite : RatingUpserter
    {
        private readonly DbCommand _exists;
        private readonly DbCommand _upsertRating;
        private readonly DbCommand _insertUser;
        private readonly DbCommand _insertItem;
        private readonly HashSet<string> _knownUsers = new(StringComparer.Ordinal);
        private readonly HashSet<string> _knownItems = new(StringComparer.Ordinal);

        public Sqlite(DbConnection connection, DbTransaction transaction, long createdAt, long dataVersion)
            : base(createdAt, dataVersion)
        {
            _exists = Command(connection, transaction, """SELECT 1 FROM "ratings" WHERE "UserId" = @u AND "ItemId" = @i""", "@u", "@i");
            _upsertRating = Command(
                connection,
                transaction,
                """
                INSERT INTO "ratings" ("UserId", "ItemId", "Value", "Timestamp") VALUES (@u, @i, @v, @t)
                ON CONFLICT ("UserId", "ItemId") DO UPDATE SET "Value" = excluded."Value", "Timestamp" = excluded."Timestamp"
                """,
                "@u", "@i", "@v", "@t");
            _insertUser = Command(
                connection,
                transaction,
                """
                INSERT INTO "users" ("Id", "CreatedAt", "RatingsVersion") VALUES (@id, @t, @v)
                ON CONFLICT ("Id") DO UPDATE SET "RatingsVersion" = excluded."RatingsVersion"
                """,
                "@id", "@t", "@v");
            _insertItem = Command(connection, transaction, """INSERT INTO "items" ("Id", "CreatedAt") VALUES (@id, @t) ON CONFLICT ("Id") DO NOTHING""", "@id", "@t");
        }

        public override Task<bool[]> UpsertAsync(IReadOnlyList<RatingRow> ratings, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(ratings);
            var created = new bool[ratings.Count];
            for (var n = 0; n < ratings.Count; n++)
            {
                created[n] = Upsert(ratings[n]);
            }

            return Task.FromResult(created);
        }

        private bool Upsert(RatingRow rating)
        {
            if (_knownUsers.Add(rating.UserId))
            {
                _insertUser.Parameters[2].Value = DataVersion;
                Execute(_insertUser, rating.UserId, CreatedAt);
            }

            if (_knownItems.Add(rating.ItemId))
            {
                Execute(_insertItem, rating.ItemId, CreatedAt);
            }

            _exists.Parameters[0].Value = rating.UserId;
            _exists.Parameters[1].Value = rating.ItemId;
            var created = _exists.ExecuteScalar() is null;

            _upsertRating.Parameters[0].Value = rating.UserId;
            _upsertRating.Parameters[1].Value = rating.ItemId;
            _upsertRating.Parameters[2].Value = rating.Value;
            _upsertRating.Parameters[3].Value = rating.Timestamp;
            _upsertRating.ExecuteNonQuery();
            return created;
        }

        protected override void Dispose(bool disposing)
        {
            _exists.Dispose();
            _upsertRating.Dispose();
            _insertUser.Dispose();
            _insertItem.Dispose();
        }

        private static void Execute(DbCommand command, string id, long createdAt)
        {
            command.Parameters[0].Value = id;
            command.Parameters[1].Value = createdAt;
            command.ExecuteNonQuery();
        }

        private static DbCommand Command(DbConnection connection, DbTransaction transaction, string sql, params string[] parameters)
        {
            var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            foreach (var name in parameters)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = name;
                command.Parameters.Add(parameter);
            }

            command.Prepare();
            return command;
        }
    }
}
