namespace Recommender.Api.Tests;

/// <summary>
/// A store (<see cref="TestStore"/>) and snapshot folder that outlive one <see cref="RecommenderApp"/>, for restart
/// tests; both deleted on dispose.
/// </summary>
public sealed class StoreDirectory : IDisposable
{
    public StoreDirectory()
    {
        Path = Directory.CreateTempSubdirectory("recommender-restart-").FullName;
        Store = TestStore.Create(Path);
    }

    public string Path { get; }

    public TestStore Store { get; }

    public void Dispose()
    {
        Store.Dispose();
        Directory.Delete(Path, recursive: true);
    }
}
