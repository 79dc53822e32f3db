using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;
using Serilog.Events;

namespace Recommender.Api.Tests;

/// <summary>
/// A PostgreSQL server acknowledges a commit before its WAL reaches the disk with synchronous_commit off (or flushes
/// nothing with fsync off): the service says so at start-up, since a write it acknowledged could then be lost.
/// </summary>
public sealed class PostgresDurabilityTests
{
    private const string Why = "the durability of a commit is PostgreSQL's setting; SQLite's is fixed by the service";

    [PostgresOnlyFact(Why)]
    public void StartUp_WarnsThatAcknowledgedWritesCanBeLost_WhenTheDatabaseRunsWithSynchronousCommitOff()
    {
        using var store = new StoreDirectory();
        using (var connection = store.Store.Open())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = $"ALTER DATABASE \"{connection.Database}\" SET synchronous_commit = off;";
            command.ExecuteNonQuery();
        }

        Assert.Contains(Warnings(store), w => w.Contains("synchronous_commit=off", StringComparison.Ordinal) && w.Contains("acknowledged", StringComparison.Ordinal));
    }

    [PostgresOnlyFact(Why)]
    public void StartUp_DoesNotWarn_WithPostgresDurableDefaults()
    {
        using var store = new StoreDirectory();
        Assert.DoesNotContain(Warnings(store), w => w.Contains("acknowledged", StringComparison.Ordinal));
    }

    private static List<string> Warnings(StoreDirectory store)
    {
        var logs = new LogCapture();
        using (var app = new RecommenderApp(store: store, services: s => s.AddSingleton<ILogEventSink>(logs)))
        {
            app.CreateClient();
        }

        return [.. logs.Events.Where(e => e.Level == LogEventLevel.Warning).Select(e => e.RenderMessage())];
    }
}
