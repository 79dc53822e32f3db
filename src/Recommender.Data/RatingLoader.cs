using Microsoft.EntityFrameworkCore;
using Recommender.Core.Data;

namespace Recommender.Data;

/// <summary>Streams every rating from the store into a <see cref="RatingDataset"/>, with the data version it reflects.</summary>
public static class RatingLoader
{
    /// <summary>
    /// The data version is read before the ratings, so the ratings reflect at least that version (a write racing the
    /// load makes the next run train again; it is never missed), and no lock is held against writers. Ratings are
    /// ordered by (user, item), so the same store gives the same dataset and, with a seed, the same model.
    /// </summary>
    public static async Task<(RatingDataset Ratings, long DataVersion)> LoadAsync(RecommenderDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var dataVersion = await db.GetDataVersionAsync(cancellationToken);
        var count = await db.Ratings.CountAsync(cancellationToken);
        var builder = new RatingDatasetBuilder(capacity: Math.Max(count, 16));
        var rows = db.Ratings.AsNoTracking()
            .OrderBy(r => r.UserId).ThenBy(r => r.ItemId)
            .Select(r => new { r.UserId, r.ItemId, r.Value })
            .AsAsyncEnumerable();
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            builder.Add(row.UserId, row.ItemId, (float)row.Value);
        }

        return (builder.Build(), dataVersion);
    }
}
