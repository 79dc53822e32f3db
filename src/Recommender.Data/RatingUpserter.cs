using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Recommender.Data;

/// <summary>A rating to store; the timestamp is in Unix milliseconds.</summary>
public readonly record struct RatingRow(string UserId, string ItemId, double Value, long Timestamp);

/// <summary>
/// Upserts ratings inside the caller's transaction — the fast path for single writes and batches (EF Core's change
/// tracker costs far more per row; imports go through <see cref="RatingStaging"/>). Users and items are created on first
/// sight with <c>INSERT … ON CONFLICT</c>, and each user written is stamped with the transaction's data version
/// (<see cref="Entities.User.RatingsVersion"/>). SQLite runs prepared statements row by row in-process; PostgreSQL gets
/// the whole list in one round trip.
/// </summary>
/// <remarks>Not thread-safe: one upserter per transaction. Dispose it before committing.</remarks>
public abstract partial class RatingUpserter : IDisposable
{
    private protected RatingUpserter(long createdAt, long dataVersion)
    {
        CreatedAt = createdAt;
        DataVersion = dataVersion;
    }

    private protected long CreatedAt { get; }

    private protected long DataVersion { get; }

    /// <summary>
    /// An upserter bound to <paramref name="db"/>'s open transaction, which has bumped the data version to
    /// <paramref name="dataVersion"/> (<see cref="RecommenderDbContext.BumpDataVersionAsync"/>).
    /// </summary>
    public static RatingUpserter Create(RecommenderDbContext db, long createdAt, long dataVersion)
    {
        ArgumentNullException.ThrowIfNull(db);
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("Begin a transaction before upserting ratings.");
        return db.Database.IsNpgsql()
            ? new Postgres((Npgsql.NpgsqlTransaction)transaction, createdAt, dataVersion)
            : new Sqlite(db.Database.GetDbConnection(), transaction, createdAt, dataVersion);
    }

    /// <summary>
    /// Bumps the data version of <paramref name="db"/>'s open transaction (<see cref="RecommenderDbContext.BumpDataVersionAsync"/>)
    /// and upserts <paramref name="ratings"/> stamped with it: on PostgreSQL in one round trip (the bump is the batch's
    /// first statement, so the data version's row lock is still taken before any user, item or rating row), which takes a
    /// round trip off every write while the row lock is held. Returns the new data version and whether each rating was new.
    /// </summary>
    public static async Task<(long DataVersion, bool[] Created)> BumpAndUpsertAsync(
        RecommenderDbContext db, long createdAt, IReadOnlyList<RatingRow> ratings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (db.Database.IsNpgsql())
        {
            var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
                ?? throw new InvalidOperationException("Begin a transaction before upserting ratings.");
            return await Postgres.BumpAndUpsertAsync((Npgsql.NpgsqlTransaction)transaction, createdAt, ratings, cancellationToken);
        }

        var version = await db.BumpDataVersionAsync(cancellationToken);
        using var upserter = Create(db, createdAt, version);
        return (version, await upserter.UpsertAsync(ratings, cancellationToken));
    }

    /// <summary>
    /// Stores <paramref name="ratings"/> in order (creating their users and items if needed), as if one by one: a pair
    /// given twice keeps its later value. Returns, for each, whether it created the rating.
    /// </summary>
    public abstract Task<bool[]> UpsertAsync(IReadOnlyList<RatingRow> ratings, CancellationToken cancellationToken);

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }
}
