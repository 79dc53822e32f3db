using Microsoft.Data.Sqlite;

namespace Recommender.Api.Tests;

/// <summary>
/// A store folder (database and snapshots) that outlives one <see cref="RecommenderApp"/>, for restart tests; deleted
/// on dispose once SQLite's pooled connections to it are closed.
/// </summary>
internal sealed class StoreDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("recommender-restart-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(Path, recursive: true);
    }
}
