using Microsoft.EntityFrameworkCore;

namespace Recommender.Data;

/// <summary>SQLite's page cache, sized per connection for a bulk write.</summary>
public static class PageCache
{
    /// <summary>
    /// Gives <paramref name="db"/>'s connection a 256 MB page cache (SQLite's default is 2 MB) until the returned handle is
    /// disposed: a large import inserts all over the primary-key B-tree, and the larger cache keeps it in memory. Other
    /// providers are left alone.
    /// </summary>
    public static async Task<IAsyncDisposable> UseLargePageCacheAsync(this RecommenderDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (!db.Database.IsSqlite())
        {
            return new Restore(null);
        }

        await db.Database.OpenConnectionAsync(cancellationToken);
        await db.Database.ExecuteSqlRawAsync("PRAGMA cache_size = -262144;", cancellationToken);
        return new Restore(db);
    }

    private sealed class Restore(RecommenderDbContext? db) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            if (db is not null)
            {
                await db.Database.ExecuteSqlRawAsync("PRAGMA cache_size = -2000;", CancellationToken.None);
            }
        }
    }
}
