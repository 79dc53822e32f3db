using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Recommender.Api.Training;

namespace Recommender.Api.Tests;

public sealed class TrainingTests
{
    internal static async Task<float> PredictAsync(HttpClient client, string user, string item) =>
        (await client.GetFromJsonAsync<JsonElement>($"/api/users/{Uri.EscapeDataString(user)}/predictions/{Uri.EscapeDataString(item)}"))
            .GetProperty("predictedRating").GetSingle();

    internal static async Task<long> VersionAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<JsonElement>("/api/model")).GetProperty("version").GetInt64();

    [Fact]
    public async Task Retrain_PublishesANewVersion_AndTheOldOneCanBeActivatedAgain()
    {
        using var app = new RecommenderApp();
        var client = app.CreateClient();
        await app.WaitForModelAsync();
        await client.PostAsJsonAsync("/api/ratings", new { userId = "Hermione", itemId = "Back in Black", rating = 4 });

        Assert.Equal(TrainingOutcome.Published, await app.RetrainAsync(client));
        Assert.Equal(2, await VersionAsync(client));
        var versions = await client.GetFromJsonAsync<JsonElement>("/api/model/versions");
        Assert.Equal(["active", "kept"], versions.EnumerateArray().Select(v => v.GetProperty("state").GetString()!));
        Assert.Equal(0, (await client.GetFromJsonAsync<JsonElement>("/api/model")).GetProperty("foldedInUsers").GetInt32());

        var activated = await client.PostAsync("/api/model/versions/1/activate", null);
        Assert.Equal(HttpStatusCode.OK, activated.StatusCode);
        Assert.Equal(1, await VersionAsync(client));
        Assert.Equal(1, (await client.GetFromJsonAsync<JsonElement>("/api/users/Hermione/recommendations")).GetProperty("modelVersion").GetInt64());
        await ProblemAssert.IsProblemAsync(await client.PostAsync("/api/model/versions/99/activate", null), HttpStatusCode.NotFound, "99");
    }

    [Fact]
    public async Task TrainingRun_LogsEachEpochOfEachFitOnce_LabelledHoldoutOrFinalFit()
    {
        var logs = new LogCapture();
        using var app = new RecommenderApp(
            settings: new() { ["Training:Epochs"] = "30", ["Serilog:MinimumLevel:Override:Recommender.Api.Training"] = "Debug" },
            services: s => s.AddSingleton<Serilog.Core.ILogEventSink>(logs));
        var client = app.CreateClient();
        await app.WaitForModelAsync();

        var model = await client.GetFromJsonAsync<JsonElement>("/api/model");
        var epochs = logs.Events
            .Where(e => e.MessageTemplate.Text.Contains("epoch", StringComparison.Ordinal))
            .Select(e => (Fit: e.Properties.TryGetValue("Fit", out var fit) ? fit.ToString().Trim('"') : "(none)", Text: e.RenderMessage()))
            .ToList();
        Assert.All(epochs, e => Assert.Contains(e.Fit, new[] { "holdout", "final fit" }));
        Assert.Equal(epochs.Count, epochs.Select(e => (e.Fit, e.Text[..e.Text.IndexOf(':', StringComparison.Ordinal)])).Distinct().Count());
        // The holdout run is the version's stored history; the final fit runs as many epochs on every rating.
        Assert.Equal(model.GetProperty("history").GetArrayLength(), epochs.Count(e => e.Fit == "holdout"));
        Assert.Equal(30, epochs.Count(e => e.Fit == "final fit"));
        Assert.Contains(epochs, e => e.Text.StartsWith("Version 1 holdout epoch 10/30:", StringComparison.Ordinal));
        Assert.Contains(epochs, e => e.Text.StartsWith("Version 1 final fit epoch 30/30:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ThrowingTrainer_LeavesThePreviousModelServing_AndReportsTheFailure()
    {
        var failing = false;
        using var app = new RecommenderApp(services: s => s.AddSingleton<TrainerFactory>(p => failing ? new FaultyTrainers.Throwing() : Core.Training.Trainers.Create(p)));
        var client = app.CreateClient();
        await app.WaitForModelAsync();
        failing = true;

        Assert.Equal(TrainingOutcome.Failed, await app.RetrainAsync(client));

        var model = await client.GetFromJsonAsync<JsonElement>("/api/model");
        Assert.Equal(1, model.GetProperty("version").GetInt64());
        Assert.Equal("failed", model.GetProperty("training").GetProperty("lastOutcome").GetString());
        Assert.Contains("the trainer exploded", model.GetProperty("training").GetProperty("lastError").GetString(), StringComparison.Ordinal);
        var versions = await client.GetFromJsonAsync<JsonElement>("/api/model/versions");
        Assert.Contains(versions.EnumerateArray(), v => v.GetProperty("state").GetString() == "failed");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/users/Hermione/recommendations")).StatusCode);
        await ProblemAssert.IsProblemAsync(await client.PostAsync("/api/model/versions/2/activate", null), HttpStatusCode.Conflict, "failed");

        failing = false;
        Assert.Equal(TrainingOutcome.Published, await app.RetrainAsync(client));
    }

    [Fact]
    public async Task NaNTrainer_IsRejectedByTheGate_AndThePreviousModelKeepsServing()
    {
        var poisoned = false;
        using var app = new RecommenderApp(services: s => s.AddSingleton<TrainerFactory>(p => poisoned ? new FaultyTrainers.ReturnsNaN(p) : Core.Training.Trainers.Create(p)));
        var client = app.CreateClient();
        await app.WaitForModelAsync();
        poisoned = true;

        var outcome = await app.RetrainAsync(client);
        var model = await client.GetFromJsonAsync<JsonElement>("/api/model");
        Assert.True(outcome == TrainingOutcome.Rejected, model.GetRawText());

        Assert.Equal(1, model.GetProperty("version").GetInt64());
        Assert.Contains("non-finite", model.GetProperty("training").GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.InRange(await PredictAsync(client, "Hermione", "Back in Black"), 0.5f, 5f);
        var versions = await client.GetFromJsonAsync<JsonElement>("/api/model/versions");
        Assert.Equal(["rejected", "active"], versions.EnumerateArray().Select(v => v.GetProperty("state").GetString()!));
    }

    [Fact]
    public async Task Restart_ServesTheSavedSnapshot_BeforeAnyRetraining()
    {
        using var store = new StoreDirectory();
        float before;
        using (var first = new RecommenderApp(store: store))
        {
            var client = first.CreateClient();
            await first.WaitForModelAsync();
            before = await PredictAsync(client, "Hermione", "Back in Black");
        }

        using var second = new RecommenderApp(store: store, settings: new() { ["Training:TrainOnStart"] = "false" });
        var restarted = second.CreateClient();
        Assert.NotNull(second.Models.Current);
        Assert.Equal(HttpStatusCode.OK, (await restarted.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(1, await VersionAsync(restarted));
        Assert.Equal(before, await PredictAsync(restarted, "Hermione", "Back in Black"));
        Assert.Null(second.Status.LastStartedAt);
    }

    [Theory]
    [InlineData("Bayesian", 32 * 4, "bayesian")]
    [InlineData("SvdPlusPlus", 64, "svdpp")]
    [InlineData("Blend", (32 * 16) + 64, "blend")]
    public async Task EveryRatingAlgorithm_TrainsInTheService_FoldsInARating_AndRestartsFromItsSnapshot(string algorithm, int factors, string rankedBy)
    {
        using var store = new StoreDirectory();
        var settings = new Dictionary<string, string?>
        {
            ["Training:Algorithm"] = algorithm,
            ["Training:TrainOnStart"] = "true",
        };
        if (algorithm == "Bayesian")
        {
            settings["Training:Factors"] = "4";
            settings["Training:Samples"] = "32";
        }

        float folded;
        using (var first = new RecommenderApp(store: store, settings: settings))
        {
            var client = first.CreateClient();
            await first.WaitForModelAsync();
            var model = await client.GetFromJsonAsync<JsonElement>("/api/model");
            Assert.Equal(algorithm, model.GetProperty("algorithm").GetString());
            Assert.Equal(factors, TrainedFactors(first));
            var rated = await client.GetFromJsonAsync<JsonElement>("/api/users/Hermione/recommendations?strategy=rating");
            Assert.Equal(rankedBy, rated.GetProperty("rankedBy").GetString());
            var before = await PredictAsync(client, "Hermione", "Back in Black");
            Assert.InRange(before, 0.5f, 5f);

            // A new rating far from the prediction moves it at once, without a retrain.
            var rating = before < 2.75f ? 5 : 0.5;
            Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/ratings", new { userId = "Hermione", itemId = "Back in Black", rating })).StatusCode);
            folded = await PredictAsync(client, "Hermione", "Back in Black");
            Assert.Equal(1, await VersionAsync(client));
            Assert.True(Math.Abs(folded - rating) < Math.Abs(before - rating) || Math.Abs(folded - rating) < 0.5, $"{before} -> {folded}");
            Assert.Equal(TrainingOutcome.Published, await first.RetrainAsync(client));
            folded = await PredictAsync(client, "Hermione", "Back in Black");
        }

        using var second = new RecommenderApp(store: store, settings: new(settings) { ["Training:TrainOnStart"] = "false" });
        var restarted = second.CreateClient();
        Assert.Equal(2, await VersionAsync(restarted));
        Assert.Equal(folded, await PredictAsync(restarted, "Hermione", "Back in Black"));
        Assert.Equal(factors, TrainedFactors(second));
    }

    private static int TrainedFactors(RecommenderApp app) => app.Models.Current!.Model.Factors;

    [Fact]
    public async Task Pipeline_SkipsWhenNothingChanged_AndTrainsAfterAChange()
    {
        using var app = new RecommenderApp();
        var client = app.CreateClient();
        await app.WaitForModelAsync();
        var pipeline = app.Services.GetRequiredService<TrainingPipeline>();

        Assert.Equal(TrainingOutcome.Skipped, await pipeline.RunAsync(TrainingReason.DataChanged, CancellationToken.None));
        await client.PostAsJsonAsync("/api/ratings", new { userId = "Ripley", itemId = "Hedwig’s Theme", rating = 2 });
        Assert.Equal(TrainingOutcome.Published, await pipeline.RunAsync(TrainingReason.DataChanged, CancellationToken.None));
        Assert.Equal(2, await VersionAsync(client));
    }

    [Fact]
    public async Task Queries_Answer503_WhileNoModelExists()
    {
        using var app = new RecommenderApp(demo: false);
        var client = app.CreateClient();
        await client.PostAsJsonAsync("/api/ratings", new { userId = "a", itemId = "x", rating = 3 });

        await ProblemAssert.IsProblemAsync(await client.GetAsync("/api/users/a/recommendations"), HttpStatusCode.ServiceUnavailable, "No model");
        await ProblemAssert.IsProblemAsync(await client.GetAsync("/api/predictions"), HttpStatusCode.ServiceUnavailable);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/health/ready")).StatusCode);
        var model = await client.GetFromJsonAsync<JsonElement>("/api/model");
        Assert.Equal(JsonValueKind.Null, model.GetProperty("version").ValueKind);
    }

    [Theory]
    [InlineData("Ratings:Min", "5", "Ratings:Min")]
    [InlineData("Training:Factors", "0", "Training:Factors")]
    [InlineData("Training:HoldoutFraction", "0.9", "Training:HoldoutFraction")]
    [InlineData("Model:KeepVersions", "0", "Model:KeepVersions")]
    [InlineData("Recommendations:MaxCount", "0", "Recommendations:MaxCount")]
    [InlineData("Training:Intervall", "00:01:00", "Intervall")]
    public void InvalidOptions_StopStartUp_NamingTheOption(string key, string value, string named)
    {
        var error = RecommenderApp.StartUpFailure(() => new RecommenderApp(settings: new() { [key] = value }));
        Assert.Contains(named, error.ToString(), StringComparison.Ordinal);
        Assert.True(error is OptionsValidationException or InvalidOperationException or AggregateException, error.GetType().Name);
    }

    [Theory]
    [InlineData("Training:Factors", "16", "Training:Factors is not read by the Blend algorithm")]
    [InlineData("Training:Samples", "8", "Training:Samples is not read by the Blend algorithm")]
    [InlineData("Training:Tune", "OnRetrain", "Training:Tune must be Off with the Blend algorithm")]
    public void ABlend_RefusesTheSettingsOfASingleModel_NamingThem(string key, string value, string message)
    {
        var error = RecommenderApp.StartUpFailure(() => new RecommenderApp(settings: new() { ["Training:Algorithm"] = "Blend", [key] = value }));
        Assert.Contains(message, error.ToString(), StringComparison.Ordinal);
    }
}
