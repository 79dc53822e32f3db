using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Recommender.Api.Training;

namespace Recommender.Api.Tests;

/// <summary>Freshness without a retrain: users whose ratings changed are folded in against the serving model.</summary>
public sealed class FreshnessTests
{
    [Fact]
    public async Task PostedRating_ChangesThatUsersPredictions_BeforeAnyRetrain()
    {
        using var app = new RecommenderApp();
        var client = app.CreateClient();
        await app.WaitForModelAsync();
        var before = await TrainingTests.PredictAsync(client, "Hermione", "Back in Black");

        await RateAsync(client, "Hermione", ["Another One Bites the Dust", "Survivor", "The Imperial March"], 5);

        var after = await TrainingTests.PredictAsync(client, "Hermione", "Back in Black");
        Assert.True(Math.Abs(after - before) > 0.01, $"prediction did not move: {before} → {after}");
        Assert.Equal(1, await TrainingTests.VersionAsync(client));
    }

    [Fact]
    public async Task BrandNewUser_IsServedAtOnce_ByFoldIn()
    {
        using var app = new RecommenderApp();
        var client = app.CreateClient();
        await app.WaitForModelAsync();
        await ProblemAssert.IsProblemAsync(await client.GetAsync("/api/users/Luke/recommendations?strategy=rating"), HttpStatusCode.NotFound);

        await client.PostAsJsonAsync("/api/ratings/batch", new
        {
            ratings = new object[]
            {
                new { userId = "Luke", itemId = "The Imperial March", rating = 1 },
                new { userId = "Luke", itemId = "Hedwig’s Theme", rating = 5 },
                new { userId = "Luke", itemId = "Clair de Lune", rating = 5 },
            },
        });

        var recommendations = await client.GetFromJsonAsync<JsonElement>("/api/users/Luke/recommendations?count=20&strategy=rating");
        Assert.Equal(JsonValueKind.Null, recommendations.GetProperty("fallback").ValueKind);
        Assert.Equal(1, recommendations.GetProperty("modelVersion").GetInt64());
        var ids = recommendations.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("itemId").GetString()).ToList();
        Assert.Equal(9, ids.Count);
        Assert.DoesNotContain("Clair de Lune", ids);
        var model = await client.GetFromJsonAsync<JsonElement>("/api/model");
        Assert.Equal(1, model.GetProperty("foldedInUsers").GetInt32());
    }

    [Fact]
    public async Task Restart_FoldsInUsersWhoseRatingsChangedAfterTheSnapshot_AndForgetsDeletedUsers()
    {
        using var store = new StoreDirectory();
        float trained, folded, unrated;
        using (var first = new RecommenderApp(store: store))
        {
            var client = first.CreateClient();
            await first.WaitForModelAsync();
            trained = await TrainingTests.PredictAsync(client, "Hermione", "Back in Black");
            await RateAsync(client, "Hermione", ["Another One Bites the Dust", "Survivor", "The Imperial March"], 5);
            folded = await TrainingTests.PredictAsync(client, "Hermione", "Back in Black");
            Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/api/ratings/Darth%20Vader/The%20Imperial%20March")).StatusCode);
            unrated = await TrainingTests.PredictAsync(client, "Darth Vader", "The Imperial March");
            Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/api/users/Ripley")).StatusCode);
        }

        using var second = new RecommenderApp(store: store, settings: new() { ["Training:TrainOnStart"] = "false" });
        var restarted = second.CreateClient();
        Assert.Equal(1, await TrainingTests.VersionAsync(restarted));
        var afterRestart = await TrainingTests.PredictAsync(restarted, "Hermione", "Back in Black");
        Assert.True(Math.Abs(afterRestart - trained) > 0.01, $"the snapshot's own prediction came back: {trained} → {afterRestart}");
        Assert.Equal(folded, afterRestart, 1e-5f);
        Assert.Equal(unrated, await TrainingTests.PredictAsync(restarted, "Darth Vader", "The Imperial March"), 1e-5f);
        Assert.NotEqual(unrated, second.Models.Current!.Model.Predict("Darth Vader", "The Imperial March").Value, 1e-3f);
        Assert.Equal(await TrainingTests.PredictAsync(restarted, "Spock", "Back in Black"), second.Models.Current!.Model.Predict("Spock", "Back in Black").Value);
        await ProblemAssert.IsProblemAsync(await restarted.GetAsync("/api/users/Ripley/recommendations?strategy=rating"), HttpStatusCode.NotFound, "Ripley");
        Assert.Null(second.Status.LastStartedAt);
    }

    [Fact]
    public async Task ActivatingAnOlderVersion_FoldsInUsersWhoseRatingsChangedSinceItWasTrained()
    {
        // The demo's holdout is a handful of ratings: let version 2 through whatever its RMSE.
        using var app = new RecommenderApp(settings: new() { ["Training:MaxRmseRegression"] = "100" });
        var client = app.CreateClient();
        await app.WaitForModelAsync();
        var trained = await TrainingTests.PredictAsync(client, "Hermione", "Back in Black");
        await RateAsync(client, "Hermione", ["Another One Bites the Dust", "Survivor", "The Imperial March"], 5);
        var folded = await TrainingTests.PredictAsync(client, "Hermione", "Back in Black");
        Assert.Equal(TrainingOutcome.Published, await app.RetrainAsync(client));
        Assert.Equal(0, (await client.GetFromJsonAsync<JsonElement>("/api/model")).GetProperty("foldedInUsers").GetInt32());

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/api/model/versions/1/activate", null)).StatusCode);

        Assert.Equal(1, await TrainingTests.VersionAsync(client));
        var activated = await TrainingTests.PredictAsync(client, "Hermione", "Back in Black");
        Assert.True(Math.Abs(activated - trained) > 0.01, $"version 1's own prediction came back: {trained} → {activated}");
        Assert.Equal(folded, activated, 1e-5f);
        Assert.Equal(1, (await client.GetFromJsonAsync<JsonElement>("/api/model")).GetProperty("foldedInUsers").GetInt32());
    }

    private static async Task RateAsync(HttpClient client, string user, string[] items, double rating)
    {
        foreach (var item in items)
        {
            var response = await client.PostAsJsonAsync("/api/ratings", new { userId = user, itemId = item, rating });
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        }
    }
}
