using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Recommender.Api.Tests;

public sealed class DemoTests : IAsyncLifetime
{
    private readonly RecommenderApp _app = new();
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _client = _app.CreateClient();
        await _app.WaitForModelAsync();
    }

    public Task DisposeAsync()
    {
        _app.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Recommendations_ForHermione_AreExactlyHerTwoUnratedSongs()
    {
        foreach (var strategy in new[] { "model", "neighbors" })
        {
            var body = await _client.GetFromJsonAsync<JsonElement>($"/api/users/Hermione/recommendations?strategy={strategy}");
            var items = body.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("itemId").GetString()!).Order().ToArray();
            Assert.Equal(["Back in Black", "Brandenburg Concerto No. 3"], items);
            Assert.Equal(strategy, body.GetProperty("strategy").GetString());
        }

        var neighbors = await _client.GetFromJsonAsync<JsonElement>("/api/users/Hermione/recommendations?strategy=neighbors&neighbors=3");
        var users = neighbors.GetProperty("neighbors").EnumerateArray().Select(n => n.GetProperty("userId").GetString()!).Order().ToArray();
        Assert.Equal(["Darth Vader", "Ripley", "Spock"], users);
    }

    [Fact]
    public async Task PredictionMatrix_IsTheNotebooksTable_WithUnratedCellsEmpty()
    {
        var matrix = await _client.GetFromJsonAsync<JsonElement>("/api/predictions");
        Assert.Equal(12, matrix.GetProperty("items").GetArrayLength());
        var rows = matrix.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("userId").GetString()!);
        Assert.Equal(["Darth Vader", "Hermione", "Ripley", "Spock"], rows.Keys.Order());
        var items = matrix.GetProperty("items").EnumerateArray().Select(i => i.GetString()!).ToList();
        var hermione = rows["Hermione"];
        var actual = hermione.GetProperty("actual").EnumerateArray().ToArray();
        Assert.Equal(JsonValueKind.Null, actual[items.IndexOf("Back in Black")].ValueKind);
        Assert.Equal(JsonValueKind.Null, actual[items.IndexOf("Brandenburg Concerto No. 3")].ValueKind);
        Assert.Equal(5, actual[items.IndexOf("Bohemian Rhapsody")].GetDouble());
        Assert.All(hermione.GetProperty("predicted").EnumerateArray(), p => Assert.InRange(p.GetSingle(), 0.5f, 5f));
    }

    [Fact]
    public async Task SimilarityMatrix_EqualsTheCosineOfThePredictedRows()
    {
        var matrix = await _client.GetFromJsonAsync<JsonElement>("/api/predictions");
        var scores = matrix.GetProperty("rows").EnumerateArray().ToDictionary(
            r => r.GetProperty("userId").GetString()!,
            r => r.GetProperty("scores").EnumerateArray().Select(v => v.GetDouble()).ToArray());
        var similarity = await _client.GetFromJsonAsync<JsonElement>("/api/similarity/users");
        var columns = similarity.GetProperty("users").EnumerateArray().Select(u => u.GetString()!).ToArray();
        Assert.Equal(4, columns.Length);
        foreach (var row in similarity.GetProperty("rows").EnumerateArray())
        {
            var a = scores[row.GetProperty("userId").GetString()!];
            var values = row.GetProperty("similarities").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            for (var n = 0; n < columns.Length; n++)
            {
                var b = scores[columns[n]];
                var cosine = a.Zip(b).Sum(p => p.First * p.Second) / Math.Sqrt(a.Sum(x => x * x) * b.Sum(x => x * x));
                Assert.Equal(cosine, values[n], 1e-4);
            }
        }
    }

    [Fact]
    public async Task SimilarUsers_AreTheOtherThree_MostSimilarFirst()
    {
        var body = await _client.GetFromJsonAsync<JsonElement>("/api/users/Hermione/similar-users?count=10");
        var similarities = body.GetProperty("users").EnumerateArray().Select(u => u.GetProperty("similarity").GetSingle()).ToArray();
        Assert.Equal(3, similarities.Length);
        Assert.DoesNotContain(body.GetProperty("users").EnumerateArray(), u => u.GetProperty("userId").GetString() == "Hermione");
        Assert.Equal(similarities.OrderDescending(), similarities);
        var factors = await _client.GetFromJsonAsync<JsonElement>("/api/users/Hermione/similar-users?basis=factors&count=1");
        Assert.Equal("factors", factors.GetProperty("basis").GetString());
        Assert.Equal(1, factors.GetProperty("users").GetArrayLength());
    }

    [Fact]
    public async Task SimilarItems_ExcludeTheItemItself()
    {
        var body = await _client.GetFromJsonAsync<JsonElement>("/api/items/Firework/similar-items?count=3");
        var ids = body.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("itemId").GetString()).ToArray();
        Assert.Equal(3, ids.Length);
        Assert.DoesNotContain("Firework", ids);
        await ProblemAssert.IsProblemAsync(await _client.GetAsync("/api/items/Nope/similar-items"), HttpStatusCode.NotFound, "Nope");
    }

    [Fact]
    public async Task ModelEndpoint_DescribesTheDemoModel()
    {
        var model = await _client.GetFromJsonAsync<JsonElement>("/api/model");
        Assert.Equal(1, model.GetProperty("version").GetInt64());
        Assert.Equal("BiasedSgd", model.GetProperty("algorithm").GetString());
        Assert.Equal(39, model.GetProperty("counts").GetProperty("ratings").GetInt32());
        Assert.Equal(4, model.GetProperty("counts").GetProperty("users").GetInt32());
        Assert.True(model.GetProperty("metrics").GetProperty("rmse").GetDouble() > 0);
        Assert.True(model.GetProperty("history").GetArrayLength() > 0);
        Assert.Equal("idle", model.GetProperty("training").GetProperty("state").GetString());
        Assert.Equal("published", model.GetProperty("training").GetProperty("lastOutcome").GetString());
    }

    [Fact]
    public async Task Health_IsLiveAndReady()
    {
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task OpenApiDocument_ListsEveryRouteWithResponsesAndExamples()
    {
        var document = await _client.GetFromJsonAsync<JsonElement>("/swagger/v1/swagger.json");
        var paths = document.GetProperty("paths");
        foreach (var path in new[]
        {
            "/api/ratings", "/api/ratings/batch", "/api/ratings/{userId}/{itemId}", "/api/users", "/api/users/{userId}",
            "/api/items", "/api/items/{itemId}", "/api/users/{userId}/predictions/{itemId}", "/api/users/{userId}/predictions",
            "/api/predictions", "/api/users/{userId}/similar-users", "/api/similarity/users", "/api/items/{itemId}/similar-items",
            "/api/users/{userId}/recommendations", "/api/model", "/api/model/versions", "/api/model/retrain",
            "/api/model/versions/{version}/activate",
        })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"missing {path}");
        }

        var post = paths.GetProperty("/api/ratings").GetProperty("post").GetProperty("responses");
        Assert.True(post.TryGetProperty("201", out _));
        Assert.True(post.TryGetProperty("200", out _));
        Assert.True(post.TryGetProperty("400", out _));
        var text = document.GetRawText();
        Assert.Contains("\"example\"", text, StringComparison.Ordinal);
        Assert.Contains("Hermione", text, StringComparison.Ordinal);

        var ui = await _client.GetAsync("/swagger/index.html");
        Assert.Equal(HttpStatusCode.OK, ui.StatusCode);
    }
}
