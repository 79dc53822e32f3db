using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Recommender.Data;

/// <summary>
/// Upserts ratings with prepared statements inside the caller's transaction — the fast path for single writes and
/// batches (EF Core's change tracker costs far more per row; imports go through <see cref="RatingStaging"/>). The SQL is the portable
/// <c>INSERT … ON CONFLICT … DO UPDATE</c> that SQLite and PostgreSQL share; users and items are created on first sight,
/// and each user written is stamped with the transaction's data version (<see cref="Entities.User.RatingsVersion"/>).
/// </summary>
/// <remarks>Not thread-safe: one upserter per transaction. Dispose it before committing.</remarks>
public sealed class RatingUpserter : IDisposable
{
    private readonly DbCommand _exists;
    private readonly DbCommand _upsertRating;
    private readonly DbCommand _insertUser;
    private readonly DbCommand _insertItem;
    private readonly HashSet<string> _knownUsers = new(StringComparer.Ordinal);
    private readonly HashSet<string> _knownItems = new(StringComparer.Ordinal);
    private readonly long _createdAt;
    private readonly long _dataVersion;

    private RatingUpserter(DbConnection connection, DbTransaction transaction, long createdAt, long dataVersion)
    {
        _createdAt = createdAt;
        _dataVersion = dataVersion;
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

    /// <summary>
    /// An upserter bound to <paramref name="db"/>'s open transaction, which has bumped the data version to
    /// <paramref name="dataVersion"/> (<see cref="RecommenderDbContext.BumpDataVersionAsync"/>).
    /// </summary>
    public static RatingUpserter Create(RecommenderDbContext db, long createdAt, long dataVersion)
    {
        ArgumentNullException.ThrowIfNull(db);
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("Begin a transaction before upserting ratings.");
        return new RatingUpserter(db.Database.GetDbConnection(), transaction, createdAt, dataVersion);
    }

    /// <summary>Stores one rating (creating its user and item if needed); returns true when the rating is new.</summary>
    public bool Upsert(string userId, string itemId, double value, long timestamp)
    {
        if (_knownUsers.Add(userId))
        {
            _insertUser.Parameters[2].Value = _dataVersion;
            Execute(_insertUser, userId, _createdAt);
        }

        if (_knownItems.Add(itemId))
        {
            Execute(_insertItem, itemId, _createdAt);
        }

        _exists.Parameters[0].Value = userId;
        _exists.Parameters[1].Value = itemId;
        var created = _exists.ExecuteScalar() is null;

        _upsertRating.Parameters[0].Value = userId;
        _upsertRating.Parameters[1].Value = itemId;
        _upsertRating.Parameters[2].Value = value;
        _upsertRating.Parameters[3].Value = timestamp;
        _upsertRating.ExecuteNonQuery();
        return created;
    }

    public void Dispose()
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
