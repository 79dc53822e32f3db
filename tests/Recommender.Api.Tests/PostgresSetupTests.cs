namespace Recommender.Api.Tests;

/// <summary>What a new PostgreSQL deployment needs before the first start: a server and a user, nothing made by hand.</summary>
public sealed class PostgresSetupTests
{
    [PostgresOnlyFact("the database a first start creates")]
    public async Task AMissingDatabase_IsCreatedAtTheFirstStart_AndServes()
    {
        using var missing = TestStore.Missing();
        Assert.False(missing.DatabaseExists());

        using (var app = new RecommenderApp(settings: new() { ["ConnectionStrings:Recommender"] = missing.ConnectionString }))
        {
            var serving = await app.WaitForModelAsync();
            Assert.True(missing.DatabaseExists());
            Assert.True(serving.Model.Users.Count > 0);
        }

        missing.ReleaseConnections();
    }
}
