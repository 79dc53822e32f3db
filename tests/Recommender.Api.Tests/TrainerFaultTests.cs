using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Recommender.Api.Training;
using Recommender.Core.Data;
using Recommender.Core.Training;
using Recommender.Data;
using Serilog.Core;
using Serilog.Events;

namespace Recommender.Api.Tests;

public sealed class TrainerFaultTests
{
    /// <summary>A trainer that never finishes on its own: it blocks until its cancellation token fires.</summary>
    private sealed class BlocksUntilCancelled : IFactorTrainer
    {
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Started => _started.Task;

        public bool SawCancellation { get; private set; }

        public TrainingResult Fit(RatingDataset train, RatingDataset? validation = null, Action<EpochReport>? onEpoch = null, CancellationToken cancellationToken = default)
        {
            _started.TrySetResult();
            cancellationToken.WaitHandle.WaitOne();
            SawCancellation = true;
            cancellationToken.ThrowIfCancellationRequested();
            throw new InvalidOperationException("unreachable");
        }
    }

    private static TrainingWorker Worker(RecommenderApp app) =>
        app.Services.GetServices<IHostedService>().OfType<TrainingWorker>().Single();

    [Fact]
    public async Task OverrunningTrainer_FailsWithATimeout_TheModelKeepsServing_AndTheNextRunPublishes()
    {
        var logs = new LogCapture();
        var blocking = new BlocksUntilCancelled();
        var overrun = false;
        using var app = new RecommenderApp(
            settings: new() { ["Training:Timeout"] = "00:00:03", ["Training:TrainOnStart"] = "false" },
            services: s =>
            {
                s.AddSingleton<ILogEventSink>(logs);
                s.AddSingleton<TrainerFactory>(p => overrun ? blocking : Trainers.Create(p));
            });
        var client = app.CreateClient();
        Assert.Equal(TrainingOutcome.Published, await app.RetrainAsync(client));
        overrun = true;

        Assert.Equal(TrainingOutcome.Failed, await app.RetrainAsync(client));

        Assert.True(blocking.SawCancellation);
        var model = await client.GetFromJsonAsync<JsonElement>("/api/model");
        Assert.Equal(1, model.GetProperty("version").GetInt64());
        Assert.Equal("failed", model.GetProperty("training").GetProperty("lastOutcome").GetString());
        Assert.Contains("timed out after 00:00:03 (Training:Timeout)", model.GetProperty("training").GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.Contains(logs.Events, e => e.Level == LogEventLevel.Error && e.RenderMessage().Contains("timed out", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/users/Hermione/recommendations")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);

        overrun = false;
        Assert.Equal(TrainingOutcome.Published, await app.RetrainAsync(client));
        model = await client.GetFromJsonAsync<JsonElement>("/api/model");
        Assert.Equal(3, model.GetProperty("version").GetInt64());
        Assert.Equal(JsonValueKind.Null, model.GetProperty("training").GetProperty("lastError").ValueKind);
        var states = (await client.GetFromJsonAsync<JsonElement>("/api/model/versions")).EnumerateArray().Select(v => v.GetProperty("state").GetString()!);
        Assert.Equal(["active", "failed", "kept"], states);
    }

    [Fact]
    public async Task Shutdown_CancelsARunningTraining_AndTheWorkerExits()
    {
        var blocking = new BlocksUntilCancelled();
        using var app = new RecommenderApp(services: s =>
        {
            s.AddSingleton<TrainerFactory>(_ => blocking);
            // Far beyond the wait below: if training ignored the shutdown, StopAsync would hang until this.
            s.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMinutes(10));
        });
        app.CreateClient();
        await blocking.Started.WaitAsync(TimeSpan.FromSeconds(60));
        var (worker, status, models) = (Worker(app), app.Status, app.Models);
        Assert.True(status.Running);

        await app.Services.GetRequiredService<IHost>().StopAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(blocking.SawCancellation);
        Assert.True(worker.ExecuteTask!.IsCompleted);
        Assert.False(status.Running);
        Assert.Contains("cancelled by shutdown", status.LastError, StringComparison.Ordinal);
        Assert.Null(models.Current);
    }

    [Fact]
    public async Task Shutdown_LetsAnInFlightRequestFinishWith200_BeforeTheServerStops()
    {
        var gate = new CommandGate();
        using var app = new RecommenderApp(services: s => s.ConfigureDbContext<RecommenderDbContext>(o => o.AddInterceptors(gate)));
        app.UseKestrel(0);
        app.StartServer();
        var client = app.CreateClient();
        await app.WaitForModelAsync();
        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        var stoppingSignal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lifetime.ApplicationStopping.Register(stoppingSignal.SetResult);

        var inFlight = client.GetAsync($"/api/ratings?userId={CommandGate.SlowMarker}");
        await gate.Entered.WaitAsync(TimeSpan.FromSeconds(60));
        var stopping = app.Services.GetRequiredService<IHost>().StopAsync();
        await stoppingSignal.Task.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.False(stopping.IsCompleted, "the host stopped while a request was still running");
        gate.Release();
        var response = await inFlight.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("total").GetInt32());
        await stopping.WaitAsync(TimeSpan.FromSeconds(60));
    }
}
