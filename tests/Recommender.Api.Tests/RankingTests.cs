using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Recommender.Api.Training;
using Recommender.Core.Ranking;

namespace Recommender.Api.Tests;

/// <summary>The ranking model behind strategy=ranking: default, fresh without a retrain, cold start, gate, similar items, snapshots.</summary>
public sealed class RankingTests
{
    /// <summary>
    /// Two tastes: users of group A rate A-items 4–5 and B-items 1–2, group B the other way round; 60 users, 20 items
    /// a side, each user rating a seeded half of the items.
    /// </summary>
    private static IEnumerable<object> TwoTastes(int users = 60, int seed = 3)
    {
        var random = new Random(seed);
        for (var u = 0; u < users; u++)
        {
            var group = u % 2 == 0 ? "a" : "b";
            for (var i = 0; i < 40; i++)
            {
                if (random.NextDouble() < 0.5)
                {
                    var item = i < 20 ? $"a-{i:D2}" : $"b-{i - 20:D2}";
                    var liked = item[0] == group[0];
                    yield return new { userId = $"{group}-user-{u:D3}", itemId = item, rating = liked ? 4 + random.Next(2) : 1 + random.Next(2) };
                }
            }
        }
    }

    private static async Task<RecommenderApp> StartAsync(IEnumerable<object> ratings, Action<IServiceCollection>? services = null)
    {
        var app = new RecommenderApp(demo: false, settings: new() { ["Training:TrainOnStart"] = "false" }, services: services);
        var client = app.CreateClient();
        foreach (var chunk in ratings.Chunk(1000))
        {
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/ratings/batch", new { ratings = chunk })).StatusCode);
        }

        Assert.Equal(TrainingOutcome.Published, await app.RetrainAsync(client));
        return app;
    }

    private static async Task<JsonElement> RecommendAsync(HttpClient client, string userId, string query = "") =>
        await client.GetFromJsonAsync<JsonElement>($"/api/users/{Uri.EscapeDataString(userId)}/recommendations?count=5{query}");

    private static List<string> Items(JsonElement response) =>
        response.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("itemId").GetString()!).ToList();

    [Fact]
    public async Task Recommendations_AreRankedByTheRankingModelByDefault_AndTheRatingAndNeighbourStrategiesRemain()
    {
        using var app = new RecommenderApp();
        var client = app.CreateClient();
        await app.WaitForModelAsync();

        var ranked = await RecommendAsync(client, "Hermione");
        Assert.Equal("ranking", ranked.GetProperty("strategy").GetString());
        Assert.Equal("ease", ranked.GetProperty("rankedBy").GetString());
        Assert.Equal(JsonValueKind.Null, ranked.GetProperty("fallback").ValueKind);
        Assert.All(ranked.GetProperty("items").EnumerateArray(), i => Assert.InRange(i.GetProperty("predictedRating").GetSingle(), 0.5f, 5f));
        foreach (var alias in new[] { "rating", "model" })
        {
            var rated = await RecommendAsync(client, "Hermione", $"&strategy={alias}");
            Assert.Equal(alias, rated.GetProperty("strategy").GetString());
            Assert.Equal("biased-sgd", rated.GetProperty("rankedBy").GetString());
            Assert.Equal(["Back in Black", "Brandenburg Concerto No. 3"], Items(rated).Order());
        }

        Assert.Equal("neighbors", (await RecommendAsync(client, "Hermione", "&strategy=neighbors")).GetProperty("strategy").GetString());
        var bad = await client.GetAsync("/api/users/Hermione/recommendations?strategy=best");
        var problem = await ProblemAssert.IsProblemAsync(bad, HttpStatusCode.BadRequest, "strategy");
        Assert.All(new[] { "'ranking'", "'rating'", "'model'", "'neighbors'" }, s => Assert.Contains(s, problem.GetRawText(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task ARating_MovesTheUsersRankedList_WithoutARetrain()
    {
        using var app = await StartAsync(TwoTastes());
        var client = app.CreateClient();
        var version = (await client.GetFromJsonAsync<JsonElement>("/api/model")).GetProperty("version").GetInt64();
        string[] likesA = ["a-00", "a-01", "a-02", "a-03", "a-04"];
        var ratings = likesA.Select(i => new { userId = "switcher", itemId = i, rating = 5 });
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/ratings/batch", new { ratings })).StatusCode);

        var before = await RecommendAsync(client, "switcher");
        Assert.All(Items(before), i => Assert.StartsWith("a-", i));

        // The same user now loves the B side: the next request, under the same model version, follows.
        var turned = likesA.Select(i => new { userId = "switcher", itemId = i, rating = 1 })
            .Concat(Enumerable.Range(0, 8).Select(i => new { userId = "switcher", itemId = $"b-{i:D2}", rating = 5 }));
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/ratings/batch", new { ratings = turned })).StatusCode);
        var after = await RecommendAsync(client, "switcher");

        Assert.Equal(version, after.GetProperty("modelVersion").GetInt64());
        Assert.All(Items(after), i => Assert.StartsWith("b-", i));
        Assert.Equal(JsonValueKind.Null, after.GetProperty("fallback").ValueKind);
    }

    [Fact]
    public async Task ATrainedUsersList_IsServedFromTheBytesWrittenTheFirstTime_UntilTheyRateOrAModelIsPublished()
    {
        using var app = await StartAsync(TwoTastes());
        var client = app.CreateClient();
        var serving = app.Models.Current!;
        const string user = "a-user-000";
        var path = $"/api/users/{user}/recommendations?count=5";

        var first = await client.GetStringAsync(path);
        Assert.Equal(1, serving.Responses.Count);
        Assert.Equal(first, await client.GetStringAsync(path));
        Assert.Equal(1, serving.Responses.Count);

        // The same list computed and serialized on the spot (an exclusion of an unknown item is never cached) is the same JSON.
        Assert.Equal(first, await client.GetStringAsync(path + "&exclude=no-such-item"));
        var shorter = Items(JsonDocument.Parse(await client.GetStringAsync($"/api/users/{user}/recommendations?count=3")).RootElement);
        Assert.Equal(Items(JsonDocument.Parse(first).RootElement).Take(3), shorter);
        Assert.Equal(2, serving.Responses.Count);

        // A rating folds the user in: their list is ranked on the spot from then on, not read from the kept bytes.
        var ratings = Enumerable.Range(0, 12).Select(i => new { userId = user, itemId = $"b-{i:D2}", rating = 5 })
            .Concat(Enumerable.Range(0, 20).Select(i => new { userId = user, itemId = $"a-{i:D2}", rating = 1 }));
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/ratings/batch", new { ratings })).StatusCode);
        var turned = await client.GetStringAsync(path);
        Assert.NotEqual(first, turned);
        Assert.All(Items(JsonDocument.Parse(turned).RootElement), i => Assert.StartsWith("b-", i));
        Assert.Equal(2, serving.Responses.Count);

        // A new version starts with nothing kept.
        Assert.Equal(TrainingOutcome.Published, await app.RetrainAsync(client));
        var next = JsonDocument.Parse(await client.GetStringAsync(path)).RootElement;
        Assert.Equal(app.Models.Current!.Model.Version, next.GetProperty("modelVersion").GetInt64());
        Assert.NotEqual(serving.Model.Version, app.Models.Current.Model.Version);
        Assert.Equal(1, app.Models.Current.Responses.Count);
    }

    [Fact]
    public async Task AUserWithNoRatings_GetsThePopularItemsFlagged_AndTheirFirstRatingsPersonalizeThem()
    {
        using var app = await StartAsync(TwoTastes());
        var client = app.CreateClient();
        var serving = app.Models.Current!.Ranking!;
        var popular = serving.Popular(5).Select(r => serving.Items.GetId(r.ItemIndex)).ToList();

        var stranger = await RecommendAsync(client, "never-seen");
        Assert.Equal("popularity", stranger.GetProperty("fallback").GetString());
        Assert.Equal(popular, Items(stranger));
        await ProblemAssert.IsProblemAsync(await client.GetAsync("/api/users/never-seen/recommendations?strategy=rating"), HttpStatusCode.NotFound, "never-seen");

        var ratings = Enumerable.Range(0, 6).Select(i => new { userId = "never-seen", itemId = $"b-{i:D2}", rating = 5 });
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/ratings/batch", new { ratings })).StatusCode);
        var personal = await RecommendAsync(client, "never-seen");
        Assert.Equal(JsonValueKind.Null, personal.GetProperty("fallback").ValueKind);
        Assert.All(Items(personal), i => Assert.StartsWith("b-", i));

        // A trained user whose ratings are all deleted is a newcomer again.
        var veteran = app.Models.Current!.Model.Users.GetId(0);
        foreach (var rating in (await client.GetFromJsonAsync<JsonElement>($"/api/ratings?userId={veteran}&pageSize=100")).GetProperty("items").EnumerateArray())
        {
            var item = rating.GetProperty("itemId").GetString()!;
            Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/ratings/{veteran}/{item}")).StatusCode);
        }

        var emptied = await RecommendAsync(client, veteran);
        Assert.Equal("popularity", emptied.GetProperty("fallback").GetString());
        Assert.Equal(popular, Items(emptied));
    }

    [Fact]
    public async Task Gate_RefusesARankingModelThatRanksWorse_AndTheServingOneStays()
    {
        var popularityOnly = false;
        using var app = await StartAsync(TwoTastes(users: 240), services => services.AddSingleton<RankingTrainerFactory>(_ =>
            (parameters, train, cancellationToken) => RankingTrainer.Fit(
                popularityOnly ? RankingParameters.For(RankingAlgorithm.Popularity) : parameters, train, cancellationToken)));
        var client = app.CreateClient();
        var model = await client.GetFromJsonAsync<JsonElement>("/api/model");
        var ranking = model.GetProperty("ranking");
        Assert.Equal("ease", ranking.GetProperty("algorithm").GetString());
        Assert.True(ranking.GetProperty("metrics").GetProperty("ndcgAt10").GetDouble() > ranking.GetProperty("popularity").GetProperty("ndcgAt10").GetDouble() + 0.1);

        popularityOnly = true;
        Assert.Equal(TrainingOutcome.Rejected, await app.RetrainAsync(client));

        var after = await client.GetFromJsonAsync<JsonElement>("/api/model");
        Assert.Equal(model.GetProperty("version").GetInt64(), after.GetProperty("version").GetInt64());
        Assert.Contains("Ranking:MaxNdcgRegression", after.GetProperty("training").GetProperty("lastError").GetString());
        Assert.Equal("ease", (await RecommendAsync(client, "a-user-000")).GetProperty("rankedBy").GetString());
    }

    [Fact]
    public async Task SimilarItems_ComeFromTheRankingModel_AndTheVersionListShowsItsMetrics()
    {
        using var app = await StartAsync(TwoTastes());
        var client = app.CreateClient();

        var similar = await client.GetFromJsonAsync<JsonElement>("/api/items/a-03/similar-items?count=5");
        Assert.Equal("ease", similar.GetProperty("basis").GetString());
        Assert.All(similar.GetProperty("items").EnumerateArray(), i => Assert.StartsWith("a-", i.GetProperty("itemId").GetString()));

        var version = (await client.GetFromJsonAsync<JsonElement>("/api/model/versions"))[0];
        Assert.Equal("ease", version.GetProperty("ranking").GetProperty("algorithm").GetString());
        Assert.Equal(300, version.GetProperty("ranking").GetProperty("parameters").GetProperty("regularization").GetDouble());
        Assert.True(version.GetProperty("ranking").GetProperty("metrics").GetProperty("users").GetInt32() > 0);
        Assert.True(version.GetProperty("parameters").TryGetProperty("factors", out _), "parameters are camelCase like the rest");
    }

    [Fact]
    public async Task Restart_ServesTheRankingModelFromTheSnapshot()
    {
        using var store = new StoreDirectory();
        List<string> before;
        using (var first = new RecommenderApp(store: store))
        {
            var client = first.CreateClient();
            await first.WaitForModelAsync();
            before = Items(await RecommendAsync(client, "Hermione"));
        }

        using var second = new RecommenderApp(store: store, settings: new() { ["Training:TrainOnStart"] = "false" });
        var restarted = second.CreateClient();
        var after = await RecommendAsync(restarted, "Hermione");
        Assert.Equal("ease", after.GetProperty("rankedBy").GetString());
        Assert.Equal(before, Items(after));
        Assert.Null(second.Status.LastStartedAt);
    }
}
