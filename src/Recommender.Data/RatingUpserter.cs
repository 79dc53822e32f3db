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
