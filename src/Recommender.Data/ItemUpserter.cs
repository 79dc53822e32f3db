using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Recommender.Data;

/// <summary>
/// Upserts item names and metadata inside the caller's transaction, for catalogue imports, with the
/// <c>INSERT … ON CONFLICT … DO UPDATE</c> that SQLite and PostgreSQL share: SQLite row by row through one prepared
/// statement, PostgreSQL a thousand rows a round trip.
/// </summary>
/// <remarks>Not thread-safe: one upserter per transaction. Flush it, then dispose it, before committing.</remarks>
public abstract partial class ItemUpserter : IAsyncDisposable
{
    private protected ItemUpserter(long createdAt, bool setsMetadata)
    {
        CreatedAt = createdAt;
        SetsMetadata = setsMetadata;
    }

    private protected long CreatedAt { get; }

    private protected bool SetsMetadata { get; }

    /// <summary>
    /// An upserter bound to <paramref name="db"/>'s open transaction. With <paramref name="setsMetadata"/> false, items
    /// that exist keep their metadata and new ones have none.
    /// </summary>
    public static ItemUpserter Create(RecommenderDbContext db, long createdAt, bool setsMetadata)
    {
        ArgumentNullException.ThrowIfNull(db);
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("Begin a transaction before upserting items.");
        return db.Database.IsNpgsql()
            ? new Postgres((Npgsql.NpgsqlTransaction)transaction, createdAt, setsMetadata)
            : new Sqlite(db.Database.GetDbConnection(), transaction, createdAt, setsMetadata);
    }

    /// <summary>Creates the item or replaces its name (and its metadata, when this upserter sets metadata).</summary>
    public abstract ValueTask UpsertAsync(string itemId, string? name, string? metadata, CancellationToken cancellationToken);

    /// <summary>Writes what is buffered.</summary>
    public abstract Task FlushAsync(CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();

    /// <summary>The SET list of the upsert: without metadata columns an import names items and leaves the metadata they have.</summary>
    private protected string UpdateList => SetsMetadata
        ? """ "DisplayName" = excluded."DisplayName", "Metadata" = excluded."Metadata" """
        : """ "DisplayName" = excluded."DisplayName" """;
}
