using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Recommender.Api.Training;
using Recommender.Core.Data;
using Recommender.Core.Training;
using Recommender.Data;

namespace Recommender.Api.Tests;

public sealed class TuningTests
{
    // Training runs on two threads here; the search fits on one, which tells its fits from the run's own.
    private static Dictionary<string, string?> Settings(string tune, string timeout = "00:01:00") => new()
    {
        ["Training:Tune"] = tune,
        ["Training:Threads"] = "2",
        ["Training:Epochs"] = "20",
        ["Training:Timeout"] = timeout,
        ["Training:Interval"] = "00:00:00",
        ["Training:Debounce"] = "00:00:00",
    };

    [Fact]
    public async Task OnRetrain_SearchesOnTheTrainingPartOnly_TrainsWithTheWinner_AndReportsTheSearch()
    {
        var fits = new ConcurrentQueue<(int Threads, HashSet<(string, string)> Pairs)>();
        using var app = new RecommenderApp(
            settings: Settings("OnRetrain"),
            services: s => s.AddSingleton<TrainerFactory>(p => new Recording(Trainers.Create(p), p.Threads, fits)));
        var client = app.CreateClient();
        await app.WaitForModelAsync();

        var model = await client.GetFromJsonAsync<JsonElement>("/api/model");
        var tuning = model.GetProperty("tuning");
        var candidates = tuning.GetProperty("candidates").EnumerateArray().ToList();
        Assert.Equal(1, tuning.GetProperty("ranInVersion").GetInt64());
        Assert.Equal(3, tuning.GetProperty("folds").GetInt32());
        Assert.Equal(HyperparameterSearch.Grid(TrainingParameters.For(Algorithm.BiasedSgd)).Count, candidates.Count);
        Assert.Equal(256, candidates[0].GetProperty("factors").GetInt32());
        var chosen = Assert.Single(candidates, c => c.GetProperty("chosen").GetBoolean());
        Assert.Equal(candidates.Min(c => c.GetProperty("rmse").GetDouble()), chosen.GetProperty("rmse").GetDouble());
        var parameters = model.GetProperty("parameters");
        Assert.Equal(chosen.GetProperty("factors").GetInt32(), parameters.GetProperty("factors").GetInt32());
        Assert.Equal(chosen.GetProperty("regularization").GetDouble(), parameters.GetProperty("regularization").GetDouble(), 1e-6);

        // The run's holdout (the gate's evidence) is exactly what the search never saw.
        RatingDataset data;
        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<RecommenderDbContext>>().CreateDbContextAsync())
        {
            (data, _) = await RatingLoader.LoadAsync(db, CancellationToken.None);
        }

        var (train, holdout) = DatasetSplit.Holdout(data, 0.1, 42);
        Assert.NotEqual(0, holdout.Count);
        var searched = fits.Where(f => f.Threads == 1).ToList();
        Assert.Equal(candidates.Count * 3, searched.Count);
        var seen = searched.SelectMany(f => f.Pairs).ToHashSet();
        Assert.Empty(seen.Intersect(Pairs(holdout)));
        Assert.True(seen.SetEquals(Pairs(train)));
        Assert.Equal(train.Count, tuning.GetProperty("ratings").GetInt32());
    }

    [Fact]
    public async Task Daily_ReusesTheStoredSearch_UntilItIsADayOld()
    {
        var fits = new ConcurrentQueue<(int Threads, HashSet<(string, string)> Pairs)>();
        using var app = new RecommenderApp(
            settings: Settings("Daily"),
            services: s => s.AddSingleton<TrainerFactory>(p => new Recording(Trainers.Create(p), p.Threads, fits)));
        var client = app.CreateClient();
        await app.WaitForModelAsync();
        var searchFits = fits.Count(f => f.Threads == 1);
        Assert.NotEqual(0, searchFits);

        await client.PostAsJsonAsync("/api/ratings", new { userId = "Hermione", itemId = "Back in Black", rating = 4 });
        Assert.Equal(TrainingOutcome.Published, await app.RetrainAsync(client));
        var reused = (await client.GetFromJsonAsync<JsonElement>("/api/model")).GetProperty("tuning");
        Assert.Equal(1, reused.GetProperty("ranInVersion").GetInt64());
        Assert.Equal(searchFits, fits.Count(f => f.Threads == 1));

        // Age the stored search by two days: the next run searches again.
        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<RecommenderDbContext>>().CreateDbContextAsync())
        {
            var row = await db.ModelVersions.SingleAsync(v => v.Version == 2);
            var record = JsonSerializer.Deserialize<TuningRecord>(row.Tuning!, StoreJson.Options)!;
            row.Tuning = JsonSerializer.Serialize(record with { RanAt = record.RanAt.AddDays(-2) }, StoreJson.Options);
            await db.SaveChangesAsync();
        }

        await client.PostAsJsonAsync("/api/ratings", new { userId = "Ripley", itemId = "Hedwig’s Theme", rating = 2 });
        Assert.Equal(TrainingOutcome.Published, await app.RetrainAsync(client));
        var fresh = (await client.GetFromJsonAsync<JsonElement>("/api/model")).GetProperty("tuning");
        Assert.Equal(3, fresh.GetProperty("ranInVersion").GetInt64());
        Assert.Equal(2 * searchFits, fits.Count(f => f.Threads == 1));
    }

    [Fact]
    public async Task ASearchCancelledMidway_PublishesNothing_AndTheServingModelKeepsServing()
    {
        var block = false;
        var searching = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var app = new RecommenderApp(
            settings: Settings("OnRetrain", timeout: "00:00:10"),
            services: s => s.AddSingleton<TrainerFactory>(p => block && p.Threads == 1 ? new Blocking(searching) : Trainers.Create(p)));
        var client = app.CreateClient();
        await app.WaitForModelAsync();
        var before = await TrainingTests.PredictAsync(client, "Hermione", "Back in Black");
        await client.PostAsJsonAsync("/api/ratings", new { userId = "Ripley", itemId = "Hedwig’s Theme", rating = 2 });
        block = true;

        var finished = app.Status.NextRunAsync(CancellationToken.None);
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync("/api/model/retrain", null)).StatusCode);
        await searching.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, await TrainingTests.VersionAsync(client));
        Assert.Equal(before, await TrainingTests.PredictAsync(client, "Hermione", "Back in Black"));

        Assert.Equal(TrainingOutcome.Failed, await finished.WaitAsync(TimeSpan.FromSeconds(60)));
        var model = await client.GetFromJsonAsync<JsonElement>("/api/model");
        Assert.Equal(1, model.GetProperty("version").GetInt64());
        Assert.Contains("timed out", model.GetProperty("training").GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await TrainingTests.PredictAsync(client, "Hermione", "Back in Black"));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
        var versions = await client.GetFromJsonAsync<JsonElement>("/api/model/versions");
        Assert.Equal(["failed", "active"], versions.EnumerateArray().Select(v => v.GetProperty("state").GetString()!));
    }

    private static HashSet<(string, string)> Pairs(RatingDataset data) =>
        Enumerable.Range(0, data.Count).Select(n => (data.Users.Ids[data.UserIndices[n]], data.Items.Ids[data.ItemIndices[n]])).ToHashSet();

    private sealed class Recording(IFactorTrainer inner, int threads, ConcurrentQueue<(int, HashSet<(string, string)>)> fits) : IFactorTrainer
    {
        public TrainingResult Fit(RatingDataset train, RatingDataset? validation = null, Action<EpochReport>? onEpoch = null, CancellationToken cancellationToken = default)
        {
            fits.Enqueue((threads, Pairs(train).Concat(validation is null ? [] : Pairs(validation)).ToHashSet()));
            return inner.Fit(train, validation, onEpoch, cancellationToken);
        }
    }

    /// <summary>A fit that runs until its run is cancelled, as a long search would.</summary>
    private sealed class Blocking(TaskCompletionSource started) : IFactorTrainer
    {
        public TrainingResult Fit(RatingDataset train, RatingDataset? validation = null, Action<EpochReport>? onEpoch = null, CancellationToken cancellationToken = default)
        {
            started.TrySetResult();
            cancellationToken.WaitHandle.WaitOne();
            cancellationToken.ThrowIfCancellationRequested();
            throw new InvalidOperationException("unreachable");
        }
    }
}
