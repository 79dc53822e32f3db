using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Recommender.Api.Cluster;
using Recommender.Api.Options;
using Recommender.Api.Training;
using Recommender.Data;
using Recommender.Data.Entities;

namespace Recommender.Api.Startup;

/// <summary>
/// Runs before the service takes traffic: readies the store (<see cref="StoreSetup.MigrateAsync"/>: migrations, and
/// SQLite's write-ahead log), warns when PostgreSQL runs without durable commits, loads the demo into an empty store, and serves the last good snapshot (<see cref="ModelPublisher.LoadAtStartAsync"/>) so queries are
/// answered at once after a restart.
/// </summary>
public sealed class DatabaseInitializer(
    IDbContextFactory<RecommenderDbContext> dbFactory,
    SnapshotStore snapshots,
    ModelPublisher publisher,
    IOptions<DemoOptions> demo,
    IOptions<NodeOptions> node,
    ClusterFollower follower,
    TimeProvider time,
    ILogger<DatabaseInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Reading a large snapshot takes a while; start on the newest one (almost always the active one) while the
        // database is migrated.
        var clustered = node.Value.Clustered;
        var newest = clustered ? null : snapshots.NewestVersion();
        var preload = newest is { } v ? Task.Run(() => { var (model, ranking, problem) = snapshots.Load(v); return (v, model, ranking, problem); }, cancellationToken) : null;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        foreach (var warning in await StoreSetup.MigrateAsync(db, cancellationToken))
        {
            logger.LogWarning("{Warning}", warning);
        }

        if (demo.Value.Seed && !await db.Users.AnyAsync(cancellationToken) && !await db.Ratings.AnyAsync(cancellationToken))
        {
            try
            {
                await SeedDemoAsync(db, cancellationToken);
            }
            catch (DbUpdateException) when (clustered)
            {
                logger.LogInformation("Another node loaded the notebook demo first");
            }
        }

        if (clustered)
        {
            // A node of a cluster serves what model_current points to, read from the store; never its own folder's choice.
            await follower.SyncAsync(cancellationToken);
            return;
        }

        await publisher.LoadAtStartAsync(preload, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task SeedDemoAsync(RecommenderDbContext db, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var dataVersion = await db.BumpDataVersionAsync(cancellationToken);
        db.Users.AddRange(NotebookDemo.Users.Select(id => new User { Id = id, DisplayName = id, CreatedAt = now, RatingsVersion = dataVersion }));
        db.Items.AddRange(NotebookDemo.Songs.Select(id => new Item { Id = id, DisplayName = id, CreatedAt = now }));
        db.Ratings.AddRange(NotebookDemo.Ratings().Select(r => new Rating { UserId = r.UserId, ItemId = r.ItemId, Value = r.Rating, Timestamp = now }));
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("Loaded the notebook demo: {Users} users, {Songs} songs", NotebookDemo.Users.Length, NotebookDemo.Songs.Length);
    }
}
