using Microsoft.EntityFrameworkCore;

namespace Recommender.Data;

/// <summary>
/// An import's ratings, staged before the store is locked and then applied in one go. Staging writes them to a
/// temporary table of the import's own connection, which takes no lock on the store, so reading and checking a body that
/// arrives slowly holds up no other writer, and memory stays bounded however large the body is; a repeated (user, item)
/// pair keeps its last value. <see cref="ApplyAsync"/> then writes users, items and ratings in primary-key order, inside
/// the caller's write transaction on the same connection: all or nothing.
/// </summary>
/// <remarks>
/// SQLite stages in memory up to a budget and sorts there, then (past the budget) in its temporary database (a file under
/// its temporary directory, deleted when the connection closes, even after a crash) through a prepared upsert; PostgreSQL streams the rows with binary <c>COPY</c> into a temporary
/// table (dropped with the session) and makes them distinct when staging completes, before the lock is taken.
/// </remarks>
public abstract partial class RatingStaging : IAsyncDisposable
{
    /// <summary>Ratings added so far (a repeated pair counts each time).</summary>
    public long Added { get; private protected set; }

    /// <summary>
    /// Starts staging on <paramref name="db"/>, a context that has not opened its connection yet and serves this import
    /// alone: it keeps one connection open until it is disposed. Dispose the staging before the context. On SQLite the
    /// ratings are staged in memory up to about <paramref name="memoryBudget"/> bytes, then in a temporary table.
    /// </summary>
    public static async Task<RatingStaging> CreateAsync(RecommenderDbContext db, long memoryBudget, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.Database.IsNpgsql()
            ? await Postgres.CreateAsync(db, cancellationToken)
            : await SqliteMemory.CreateAsync(db, memoryBudget, cancellationToken);
    }

    /// <summary>Stages one rating; a later one for the same (user, item) replaces it.</summary>
    public abstract ValueTask AddAsync(string userId, string itemId, double value, long timestamp, CancellationToken cancellationToken);

    /// <summary>Ends staging; returns the number of distinct users staged.</summary>
    public abstract Task<int> CompleteAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Writes the staged ratings to the store inside the context's open transaction, which has bumped the data version to
    /// <paramref name="dataVersion"/>: new users and items first, then the ratings in primary-key order. Cancelling
    /// <paramref name="cancellationToken"/> interrupts the statement that is running.
    /// </summary>
    public abstract Task ApplyAsync(long createdAt, long dataVersion, CancellationToken cancellationToken);

    /// <summary>The staged users' ids, read one by one (enumerate it before the staging is disposed).</summary>
    public abstract IEnumerable<string> UserIds();

    public abstract ValueTask DisposeAsync();

    private protected static void EnsureTransaction(RecommenderDbContext db)
    {
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("Begin a transaction before applying staged ratings.");
        }
    }
}
