using System.Data.Common;
using System.Diagnostics.Metrics;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Recommender.Api.Training;
using Recommender.Data;

namespace Recommender.Api.Telemetry;

/// <summary>
/// Gauges of this host's state under the <see cref="RecommenderTelemetry.Name"/> meter, read when a collector asks: the
/// serving model's version and holdout metrics, the users waiting to be folded in, and the size of a SQLite store.
/// </summary>
/// <remarks>
/// A hosted service so that it is created when the host starts — after the settings are validated, inside the start-up
/// that reports bad settings in one line — and before the first scrape.
/// </remarks>
public sealed class ServiceGauges : IHostedService
{
    private readonly Lazy<string?> _sqliteFile;

    public ServiceGauges(IMeterFactory meters, ModelStore models, FreshUsers freshUsers, IDbContextFactory<RecommenderDbContext> dbFactory)
    {
        _sqliteFile = new(() => SqliteFile(dbFactory));
        var meter = meters.Create(RecommenderTelemetry.Name);
        meter.CreateObservableGauge(
            "recommender.model.version",
            () => models.Current is { } serving ? [new Measurement<long>(serving.Model.Version)] : Array.Empty<Measurement<long>>(),
            "{version}",
            "The model version serving queries.");
        meter.CreateObservableGauge(
            "recommender.model.holdout.rmse",
            () => models.Current?.Model.Metrics is { } metrics && double.IsFinite(metrics.Rmse) ? [new Measurement<double>(metrics.Rmse)] : Array.Empty<Measurement<double>>(),
            "{rating}",
            "Holdout RMSE of the serving rating model, in rating units.");
        meter.CreateObservableGauge(
            "recommender.model.holdout.ndcg_at_10",
            () => models.Current?.Ranking?.Metrics is { } metrics ? [new Measurement<double>(metrics.NdcgAt10)] : Array.Empty<Measurement<double>>(),
            "1",
            "Holdout NDCG@10 of the serving ranking model (what strategy=ranking recommends).");
        meter.CreateObservableGauge(
            "recommender.fresh_users",
            () => freshUsers.Count,
            "{user}",
            "Users whose ratings changed since the serving model's data (folded in on their next query).");
        meter.CreateObservableGauge(
            "recommender.store.size",
            () => StoreSize(dbFactory) is { } bytes ? [new Measurement<long>(bytes)] : Array.Empty<Measurement<long>>(),
            "By",
            "Bytes of the store: the SQLite database and its write-ahead log, or the PostgreSQL database (pg_database_size).");
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The store's size in bytes, or null when it cannot be read (an in-memory database, a server that does not answer).</summary>
    private long? StoreSize(IDbContextFactory<RecommenderDbContext> dbFactory)
    {
        try
        {
            if (_sqliteFile.Value is { } file)
            {
                return FileSize(file) + FileSize(file + "-wal");
            }

            using var db = dbFactory.CreateDbContext();
            return db.Database.IsNpgsql()
                ? db.Database.SqlQueryRaw<long>("SELECT pg_database_size(current_database()) AS \"Value\"").AsEnumerable().Single()
                : null;
        }
        catch (Exception e) when (e is DbException or InvalidOperationException or TimeoutException)
        {
            return null;
        }
    }

    /// <summary>The SQLite store's file, or null on PostgreSQL or an in-memory database.</summary>
    private static string? SqliteFile(IDbContextFactory<RecommenderDbContext> dbFactory)
    {
        using var db = dbFactory.CreateDbContext();
        return db.Database.IsSqlite() && db.Database.GetConnectionString() is { } connection
            && new SqliteConnectionStringBuilder(connection).DataSource is { Length: > 0 } file && !file.StartsWith(':')
                ? file
                : null;
    }

    private static long FileSize(string path)
    {
        var file = new FileInfo(path);
        return file.Exists ? file.Length : 0;
    }
}
