using System.Net.Http.Json;
using System.Text.Json;

namespace Recommender.Api.Tests;

/// <summary><c>recommender import</c> and <c>score</c> against the real service.</summary>
public sealed class CliImportTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("recommender-cli-import-").FullName;

    private readonly TestStore _store;

    public CliImportTests() => _store = TestStore.Create(_directory, "cli");

    public void Dispose()
    {
        _store.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private Dictionary<string, string> Environment() => new(_store.Environment)
    {
        ["Model__Directory"] = Path.Combine(_directory, "models"),
        ["Demo__Seed"] = "false",
        ["Training__Debounce"] = "00:00:00",
        ["ASPNETCORE_ENVIRONMENT"] = "Development",
    };

    [Fact]
    public async Task Import_SendsRatingsWithInput_AndACatalogueWithItems()
    {
        var ratings = Path.Combine(_directory, "ratings.csv");
        var movies = Path.Combine(_directory, "movies.csv");
        await File.WriteAllTextAsync(ratings, "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,11,3.5,964982931\n2,1,5.0,964983815\n");
        await File.WriteAllTextAsync(movies, "movieId,title,genres\n1,Toy Story (1995),Adventure|Animation\n11,\"American President, The (1995)\",Comedy|Drama\n");
        using var service = await ServiceProcess.StartAsync(Environment());
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

    [Fact]
    public async Task Score_RanksWhatTheServiceRecommends_AsEvaluateRanksTheSameModel()
    {
        // Two tastes, a seeded three-quarters of each user's ratings to train on and the rest to score.
        var random = new Random(11);
        var rows = Enumerable.Range(0, 80).SelectMany(u => Enumerable.Range(0, 40).Where(_ => random.NextDouble() < 0.5).Select(i =>
        {
            var liked = (u % 2 == 0) == (i < 20);
            return $"u{u},i{i},{(liked ? 4 + random.Next(2) : 1 + random.Next(2))}";
        })).ToList();
        var train = Path.Combine(_directory, "train.csv");
        var test = Path.Combine(_directory, "test.csv");
        await File.WriteAllLinesAsync(train, rows.Where((_, n) => n % 4 != 0).Prepend("userId,itemId,rating"));
        await File.WriteAllLinesAsync(test, rows.Where((_, n) => n % 4 == 0).Prepend("userId,itemId,rating"));
        using var service = await ServiceProcess.StartAsync(Environment());
        var url = service.BaseAddress.ToString();
        Assert.Equal(0, (await CliProcess.RunAsync("import", "--url", url, "--input", train)).Code);
        using var client = service.CreateClient();
        Assert.Equal(System.Net.HttpStatusCode.Accepted, (await client.PostAsync("/api/model/retrain", null)).StatusCode);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await client.GetFromJsonAsync<JsonElement>("/api/model")).GetProperty("version").ValueKind == JsonValueKind.Null)
        {
            Assert.True(DateTime.UtcNow < deadline, "no model within 60 s");
            await Task.Delay(100);
        }

        var (code, output, error) = await CliProcess.RunAsync("score", "--url", url, "--train", train, "--test", test, "--json");

        Assert.True(code == 0, $"exit {code}: {output}{error}");
        var scored = JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement;
        Assert.Equal("ease", scored.GetProperty("rankedBy")[0].GetString());
        var (trainSet, testSet) = ReadPair(train, test);
        var model = Core.Ranking.RankingTrainer.Fit(Core.Ranking.RankingParameters.For(Core.Ranking.RankingAlgorithm.Ease), trainSet).Model;
        var (precision, _, ndcg, users) = Core.Evaluation.Evaluator.Ranking(model, testSet);
        Assert.Equal(users, scored.GetProperty("users").GetInt32());
        Assert.Equal(ndcg, scored.GetProperty("ndcgAt10").GetDouble(), 0.01);
        Assert.Equal(precision, scored.GetProperty("precisionAt10").GetDouble(), 0.01);
        Assert.True(ndcg > 0.3, $"the two tastes are easy to rank: NDCG@10 {ndcg}");
    }

    private static (Core.Data.RatingDataset Train, Core.Data.RatingDataset Test) ReadPair(string train, string test)
    {
        var builder = new Core.Data.RatingDatasetBuilder();
        using (var reader = new StreamReader(train))
        {
            Core.Data.RatingFileReader.ReadInto(reader, builder);
        }

        var trainSet = builder.Build();
        var testBuilder = new Core.Data.RatingDatasetBuilder(new Core.Data.IdMap(builder.Users.Ids), new Core.Data.IdMap(builder.Items.Ids));
        using (var reader = new StreamReader(test))
        {
            Core.Data.RatingFileReader.ReadInto(reader, testBuilder);
        }

        return (trainSet, testBuilder.Build());
    }
}
