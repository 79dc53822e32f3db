using System.Net.Http.Json;
using System.Text.Json;

namespace Recommender.Api.Tests;

/// <summary><c>recommender import</c> against the real service: a rating file and an item catalogue.</summary>
public sealed class CliImportTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("recommender-cli-import-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Import_SendsRatingsWithInput_AndACatalogueWithItems()
    {
        var ratings = Path.Combine(_directory, "ratings.csv");
        var movies = Path.Combine(_directory, "movies.csv");
        await File.WriteAllTextAsync(ratings, "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,11,3.5,964982931\n2,1,5.0,964983815\n");
        await File.WriteAllTextAsync(movies, "movieId,title,genres\n1,Toy Story (1995),Adventure|Animation\n11,\"American President, The (1995)\",Comedy|Drama\n");
        using var service = await ServiceProcess.StartAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings__Recommender"] = $"Data Source={Path.Combine(_directory, "cli.db")}",
            ["Model__Directory"] = Path.Combine(_directory, "models"),
            ["Demo__Seed"] = "false",
            ["Training__Debounce"] = "00:00:00",
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
        });
        var url = service.BaseAddress.ToString();

        var (code, output, error) = await CliProcess.RunAsync("import", "--url", url, "--input", ratings);
        Assert.True(code == 0, $"exit {code}: {output}{error}");
        Assert.Contains("imported         3 ratings of 2 users", output, StringComparison.Ordinal);
        (code, output, error) = await CliProcess.RunAsync("import", "--url", url, "--items", movies);
        Assert.True(code == 0, $"exit {code}: {output}{error}");
        Assert.Contains("imported         2 items", output, StringComparison.Ordinal);

        using var client = service.CreateClient();
        var item = await client.GetFromJsonAsync<JsonElement>("/api/items/11");
        Assert.Equal("American President, The (1995)", item.GetProperty("displayName").GetString());
        Assert.Equal("Comedy|Drama", item.GetProperty("metadata").GetProperty("genres").GetString());
        Assert.Equal(1, item.GetProperty("ratingCount").GetInt32());
        Assert.Equal(2, (await RecommenderApp.ReadAsync<JsonElement>(await client.GetAsync("/api/items/1"))).GetProperty("ratingCount").GetInt32());
    }
}
