using Microsoft.EntityFrameworkCore;

namespace Recommender.Data;

/// <summary>An item as <see cref="ItemUpsert.SaveItemAsync"/> left it.</summary>
/// <param name="Created">Whether this call created it.</param>
/// <param name="CreatedAt">When it was created, in Unix milliseconds.</param>
/// <param name="RatingCount">Its ratings.</param>
public readonly record struct SavedItem(bool Created, long CreatedAt, int RatingCount);

/// <summary>Creating or updating an item's name and metadata.</summary>
public static class ItemUpsert
{
    /// <summary>
    /// Creates item <paramref name="id"/> or updates its name and metadata, in one transaction. The creation is a single
    /// <c>INSERT … ON CONFLICT DO NOTHING</c> (SQLite and PostgreSQL alike), so of several concurrent first writes
    /// exactly one creates the item and the others update it — none fails on the primary key.
    /// </summary>
    public static async Task<SavedItem> SaveItemAsync(
        this RecommenderDbContext db, string id, string? name, string? metadata, long createdAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var created = await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO "items" ("Id", "CreatedAt", "DisplayName", "Metadata") VALUES ({id}, {createdAt}, {name}, {metadata})
            ON CONFLICT ("Id") DO NOTHING
            """,
            cancellationToken) == 1;
        if (!created)
        {
            await db.Items.Where(i => i.Id == id)
                .ExecuteUpdateAsync(s => s.SetProperty(i => i.DisplayName, name).SetProperty(i => i.Metadata, metadata), cancellationToken);
        }

        var stored = await db.Items.AsNoTracking().Where(i => i.Id == id)
            .Select(i => new SavedItem(created, i.CreatedAt, i.Ratings.Count))
            .SingleAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return stored;
    }
}
