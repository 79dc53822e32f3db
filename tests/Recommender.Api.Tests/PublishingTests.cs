using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Recommender.Api.Training;
using Recommender.Core.Data;
using Recommender.Core.Training;

namespace Recommender.Api.Tests;

/// <summary>Activation, pins, the quality gate's comparisons, and which snapshot serves after a restart.</summary>
public sealed class PublishingTests
{
    private const string AdminKey = "publishing-admin-key-0123456789";

    /// <summary>A trainer that waits, once started, until the test releases it, then trains for real.</summary>
    private sealed class Held(TrainingParameters parameters) : IFactorTrainer
    {
        public static readonly TaskCompletionSource Started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public static readonly ManualResetEventSlim Release = new();

        public TrainingResult Fit(RatingDataset train, RatingDataset? validation = null, Action<EpochReport>? onEpoch = null, CancellationToken cancellationToken = default)
        {
            Started.TrySetResult();
            Release.Wait(cancellationToken);
            return Trainers.Create(parameters).Fit(train, validation, onEpoch, cancellationToken);
        }
    }

    /// <summary>Fits 5.5 − r instead of r: a finite model whose predictions are upside down.</summary>
    private sealed class Inverted(TrainingParameters parameters) : IFactorTrainer
    {
        public TrainingResult Fit(RatingDataset train, RatingDataset? validation = null, Action<EpochReport>? onEpoch = null, CancellationToken cancellationToken = default) =>
            Trainers.Create(parameters).Fit(Invert(train), validation is null ? null : Invert(validation), onEpoch, cancellationToken);

        private static RatingDataset Invert(RatingDataset data)
        {
            var builder = new RatingDatasetBuilder(data.Users, data.Items, data.Count);
            for (var n = 0; n < data.Count; n++)
            {
                builder.Add(data.UserIndices[n], data.ItemIndices[n], 5.5f - data.Values[n]);
            }

            return builder.Build();
        }
    }

    private static async Task<JsonElement> ModelAsync(HttpClient client) => await client.GetFromJsonAsync<JsonElement>("/api/model");

    [Fact]
    public async Task Activation_AnswersWhileARunTrains_AndTheRollbackSticksUntilUnpinned()
    {
        var held = false;
        using var app = new RecommenderApp(services: s => s.AddSingleton<TrainerFactory>(p => held ? new Held(p) : Trainers.Create(p)));
        var client = app.CreateClient();
        await app.WaitForModelAsync();
        await client.PostAsJsonAsync("/api/ratings", new { userId = "Hermione", itemId = "Back in Black", rating = 4 });
        Assert.Equal(TrainingOutcome.Published, await app.RetrainAsync(client));
        var pipeline = app.Services.GetRequiredService<TrainingPipeline>();

        held = true;
        var run = app.Status.NextRunAsync(CancellationToken.None);
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync("/api/model/retrain", null)).StatusCode);
        await Held.Started.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // The run holds its trainer: activation and an unknown version answer anyway.
        var activated = await client.PostAsync("/api/model/versions/1/activate", null).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.OK, activated.StatusCode);
        await ProblemAssert.IsProblemAsync(await client.PostAsync("/api/model/versions/99/activate", null).WaitAsync(TimeSpan.FromSeconds(10)), HttpStatusCode.NotFound, "99");
        Assert.False(run.IsCompleted);
        Assert.Equal(1, (await ModelAsync(client)).GetProperty("pinnedVersion").GetInt64());

        // The run that was training when the rollback happened does not replace it.
        Held.Release.Set();
        Assert.Equal(TrainingOutcome.Rejected, await run.WaitAsync(TimeSpan.FromSeconds(30)));
        held = false;
        Assert.Contains("was activated while this run trained", (await ModelAsync(client)).GetProperty("training").GetProperty("lastError").GetString());
        Assert.Equal(1, (await ModelAsync(client)).GetProperty("version").GetInt64());

        // Automatic runs leave the pinned version serving; after DELETE /api/model/pin they publish again.
        await client.PostAsJsonAsync("/api/ratings", new { userId = "Ripley", itemId = "Hedwig’s Theme", rating = 2 });
        Assert.Equal(TrainingOutcome.Skipped, await pipeline.RunAsync(TrainingReason.DataChanged, CancellationToken.None));
        Assert.Equal(1, (await ModelAsync(client)).GetProperty("version").GetInt64());
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/api/model/pin")).StatusCode);
        await ProblemAssert.IsProblemAsync(await client.DeleteAsync("/api/model/pin"), HttpStatusCode.NotFound, "pinned");
        Assert.Equal(TrainingOutcome.Published, await pipeline.RunAsync(TrainingReason.DataChanged, CancellationToken.None));
        var model = await ModelAsync(client);
        Assert.True(model.GetProperty("version").GetInt64() > 3);
        Assert.Equal(JsonValueKind.Null, model.GetProperty("pinnedVersion").ValueKind);

        // A manual retrain is an operator's choice too: it publishes over a pin and ends it.
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/api/model/versions/1/activate", null)).StatusCode);
        Assert.Equal(TrainingOutcome.Published, await app.RetrainAsync(client));
        Assert.Equal(JsonValueKind.Null, (await ModelAsync(client)).GetProperty("pinnedVersion").ValueKind);
    }

    [Fact]
    public async Task DeletedUsers_AreNobodysNeighbourOrSimilarUser_AtOnce_EvenWhileTheGateRejectsRuns()
    {
        var poisoned = false;
        using var app = new RecommenderApp(services: s => s.AddSingleton<TrainerFactory>(p => poisoned ? new FaultyTrainers.ReturnsNaN(p) : Trainers.Create(p)));
        var client = app.CreateClient();
        await app.WaitForModelAsync();
        async Task<List<string>> SimilarAsync() =>
            (await client.GetFromJsonAsync<JsonElement>("/api/users/Hermione/similar-users?count=3")).GetProperty("users").EnumerateArray()
                .Select(u => u.GetProperty("userId").GetString()!).ToList();
        async Task<List<string>> NeighborsAsync() =>
            (await client.GetFromJsonAsync<JsonElement>("/api/users/Hermione/recommendations?strategy=neighbors&neighbors=3")).GetProperty("neighbors").EnumerateArray()
                .Select(u => u.GetProperty("userId").GetString()!).ToList();
        Assert.Contains("Spock", await SimilarAsync());
        Assert.Contains("Spock", await NeighborsAsync());

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/api/users/Spock")).StatusCode);

        Assert.Equal(["Darth Vader", "Ripley"], (await SimilarAsync()).Order());
        Assert.Equal(["Darth Vader", "Ripley"], (await NeighborsAsync()).Order());
        poisoned = true;
        Assert.Equal(TrainingOutcome.Rejected, await app.RetrainAsync(client));
        Assert.DoesNotContain("Spock", await SimilarAsync());
        Assert.DoesNotContain("Spock", await NeighborsAsync());

        // A user of the same id who rates again is a user again.
        await client.PostAsJsonAsync("/api/ratings", new { userId = "Spock", itemId = "Survivor", rating = 5 });
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/users/Spock/similar-users")).StatusCode);
    }

    [Fact]
    public async Task Gate_ComparesLikeWithLike_WhenTheDataChangesShape()
    {
        using var app = new RecommenderApp(demo: false, settings: new() { ["Training:TrainOnStart"] = "false" });
        var client = app.CreateClient();
        // First a small, nearly noiseless store: a low holdout RMSE.
        var calm = Enumerable.Range(0, 50).SelectMany(u => Enumerable.Range(0, 25).Select(i => new { userId = $"calm-{u}", itemId = $"item-{i}", rating = (double)(1 + u % 5) }));
        await PostAllAsync(client, calm);
        Assert.Equal(TrainingOutcome.Published, await app.RetrainAsync(client));
        var calmRmse = (await ModelAsync(client)).GetProperty("metrics").GetProperty("rmse").GetDouble();

        // Then hundreds of new users with strong personal biases and noise: every model's RMSE is higher now, but the
        // new model, which has seen these users, beats the serving one on their held-out ratings.
        var random = new Random(5);
        var noisy = Enumerable.Range(0, 300).SelectMany(u =>
        {
            var bias = random.NextDouble() * 3 - 1.5;
            return Enumerable.Range(0, 12).Select(i => new { userId = $"noisy-{u}", itemId = $"item-{(u + i) % 25}", rating = Math.Clamp(Math.Round(3 + bias + random.NextDouble() * 2 - 1), 1, 5) });
        });
        await PostAllAsync(client, noisy);

        Assert.Equal(TrainingOutcome.Published, await app.RetrainAsync(client));
        Assert.True((await ModelAsync(client)).GetProperty("metrics").GetProperty("rmse").GetDouble() > calmRmse + 0.05, "the holdout RMSE rose past the regression limit");
    }

    [Fact]
    public async Task Retrain_WithForce_PublishesAFiniteModelTheGateRefuses_AndRecordsWhoAsked()
    {
        var inverted = false;
        using var app = new RecommenderApp(
            settings: new() { ["Auth:Keys:0:Name"] = "ops-admin", ["Auth:Keys:0:Key"] = AdminKey, ["Auth:Keys:0:Role"] = "admin" },
            services: s => s.AddSingleton<TrainerFactory>(p => inverted ? new Inverted(p) : Trainers.Create(p)));
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-API-Key", AdminKey);
        await app.WaitForModelAsync();
        // Enough ratings for a holdout the gate compares on.
        await PostAllAsync(client, Enumerable.Range(0, 40).SelectMany(u => Enumerable.Range(0, 30).Select(i => new { userId = $"u{u}", itemId = $"i{i}", rating = (double)(1 + (u * i) % 5) })));
        Assert.Equal(TrainingOutcome.Published, await app.RetrainAsync(client));
        inverted = true;
        Assert.Equal(TrainingOutcome.Rejected, await app.RetrainAsync(client));

        var finished = app.Status.NextRunAsync(CancellationToken.None);
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync("/api/model/retrain?force=true", null)).StatusCode);
        Assert.Equal(TrainingOutcome.Published, await finished.WaitAsync(TimeSpan.FromSeconds(60)));

        var newest = (await client.GetFromJsonAsync<JsonElement>("/api/model/versions"))[0];
        Assert.Equal("active", newest.GetProperty("state").GetString());
        Assert.Contains("force by 'ops-admin'", newest.GetProperty("note").GetString());
        Assert.Contains("Training:MaxRmseRegression", newest.GetProperty("note").GetString());

        // The next run, without force, is gated again.
        Assert.Equal(TrainingOutcome.Published, await app.RetrainAsync(client));
        Assert.Equal(JsonValueKind.Null, (await client.GetFromJsonAsync<JsonElement>("/api/model/versions"))[0].GetProperty("note").ValueKind);
    }

    [Fact]
    public async Task CorruptActiveSnapshot_IsSkippedAtStartUp_AndTheVersionsSayWhichServes()
    {
        using var store = new StoreDirectory();
        using (var first = new RecommenderApp(store: store))
        {
            var client = first.CreateClient();
            await first.WaitForModelAsync();
            await client.PostAsJsonAsync("/api/ratings", new { userId = "Hermione", itemId = "Back in Black", rating = 4 });
            Assert.Equal(TrainingOutcome.Published, await first.RetrainAsync(client));
        }

        var models = Path.Combine(store.Path, "models");
        CorruptFactors(Path.Combine(models, "model-00000002.bin"));
        File.WriteAllText(Path.Combine(models, "model-00000003.bin.tmp"), "left by a crash");

        using var second = new RecommenderApp(store: store, settings: new() { ["Training:TrainOnStart"] = "false" });
        var restarted = second.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await restarted.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(1, (await ModelAsync(restarted)).GetProperty("version").GetInt64());
        var versions = (await restarted.GetFromJsonAsync<JsonElement>("/api/model/versions")).EnumerateArray()
            .ToDictionary(v => v.GetProperty("version").GetInt64());
        Assert.Equal("active", versions[1].GetProperty("state").GetString());
        Assert.Equal("failed", versions[2].GetProperty("state").GetString());
        Assert.Contains("corrupt", versions[2].GetProperty("error").GetString());
        await ProblemAssert.IsProblemAsync(await restarted.PostAsync("/api/model/versions/2/activate", null), HttpStatusCode.Conflict, "corrupt");
        Assert.Equal(["model-00000001.bin", "model-00000002.bin"], Directory.GetFiles(models).Select(Path.GetFileName).Order());
    }

    private static async Task PostAllAsync(HttpClient client, IEnumerable<object> ratings)
    {
        foreach (var chunk in ratings.Chunk(1000))
        {
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/ratings/batch", new { ratings = chunk })).StatusCode);
        }
    }

    /// <summary>Rewrites the snapshot's header to declare 400,000,000 factors (what crashed the service at start-up).</summary>
    private static void CorruptFactors(string path)
    {
        var bytes = File.ReadAllBytes(path);
        using var input = new BinaryReader(new MemoryStream(bytes));
        var magic = input.ReadUInt32();
        var format = input.ReadInt32();
        var header = input.ReadString();
        var rest = input.ReadBytes(bytes.Length);
        var factors = JsonDocument.Parse(header).RootElement.GetProperty("Factors").GetInt32();
        using var output = new BinaryWriter(File.Create(path));
        output.Write(magic);
        output.Write(format);
        output.Write(header.Replace($"\"Factors\":{factors},", "\"Factors\":400000000,", StringComparison.Ordinal));
        output.Write(rest);
    }
}
