using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using Recommender.Api.Training;

namespace Recommender.Api.Tests;

/// <summary>
/// The service's counters and spans are process-wide (one meter and one activity source, as OpenTelemetry
/// recommends), so these tests run alone: no other test's service writes, recommends or trains meanwhile.
/// </summary>
[CollectionDefinition(nameof(TelemetryTests), DisableParallelization = true)]
public sealed class TelemetryCollection;

[Collection(nameof(TelemetryTests))]
public sealed partial class TelemetryTests
{
    [Fact]
    public async Task Metrics_CountWhatTheScenarioDid_AndTheModelGaugesMatchGetModel()
    {
        using var app = new RecommenderApp(settings: new() { ["Training:Debounce"] = "00:00:00", ["Training:Interval"] = "00:00:00" });
        var client = app.CreateClient();
        await app.WaitForModelAsync();
        var before = await ScrapeAsync(client);

        for (var n = 0; n < 3; n++)
        {
            Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/ratings", new { userId = "metrics-user", itemId = $"song-{n}", rating = 4 })).StatusCode);
        }

        var batch = Enumerable.Range(0, 4).Select(n => new { userId = "metrics-batch", itemId = $"song-{n}", rating = 3 }).ToArray();
        Assert.True((await client.PostAsJsonAsync("/api/ratings/batch", new { ratings = batch })).IsSuccessStatusCode);
        var import = "userId,itemId,rating\n" + string.Concat(Enumerable.Range(0, 5).Select(n => $"metrics-import,song-{n},2\n"));
        Assert.True((await client.PostAsync("/api/ratings/import", new StringContent(import, Encoding.UTF8, "text/csv"))).IsSuccessStatusCode);
        // A refused rating is not counted as written.
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync("/api/ratings", new { userId = "metrics-user", itemId = "x", rating = 99 })).StatusCode);
        await client.GetAsync("/api/users/Hermione/recommendations");
        await client.GetAsync("/api/users/Hermione/recommendations?strategy=ranking");
        await client.GetAsync("/api/users/Hermione/recommendations?strategy=model");
        await client.GetAsync("/api/users/Hermione/predictions/Firework");
        Assert.Equal(TrainingOutcome.Published, await app.RetrainAsync(client));

        var after = await ScrapeAsync(client);
        double Delta(string name, params string[] labels) => Sum(after, name, labels) - Sum(before, name, labels);
        Assert.Equal(3, Delta("recommender_ratings_written_total", "path=\"single\""));
        Assert.Equal(4, Delta("recommender_ratings_written_total", "path=\"batch\""));
        Assert.Equal(5, Delta("recommender_ratings_written_total", "path=\"import\""));
        Assert.Equal(3, Delta("recommender_write_duration_seconds_count", "path=\"single\"", "outcome=\"ok\""));
        Assert.Equal(2, Delta("recommender_recommendation_duration_seconds_count", "strategy=\"ranking\""));
        Assert.Equal(1, Delta("recommender_recommendation_duration_seconds_count", "strategy=\"rating\""));
        Assert.Equal(1, Delta("recommender_prediction_duration_seconds_count", "route=\"single\""));
        Assert.Equal(1, Delta("recommender_training_runs_total", "outcome=\"published\""));
        Assert.Equal(1, Delta("recommender_training_duration_seconds_count", "outcome=\"published\""));
        Assert.True(Delta("recommender_recommendation_cache_lookups_total") >= 2);
        Assert.Contains("http_server_request_duration_seconds", after, StringComparison.Ordinal);
        Assert.Contains("dotnet_gc_", after, StringComparison.Ordinal);

        var model = await client.GetFromJsonAsync<JsonElement>("/api/model");
        Assert.Equal(model.GetProperty("version").GetInt64(), Sum(after, "recommender_model_version"));
        Assert.Equal(model.GetProperty("metrics").GetProperty("rmse").GetDouble(), Sum(after, "recommender_model_holdout_rmse"), 1e-9);
        Assert.True(Sum(after, "recommender_store_size_bytes") > 0);
    }

    [Fact]
    public async Task MetricsEndpoint_RefusesAnonymousAndNonAdminCallers_WhenKeysAreConfigured()
    {
        using var app = new RecommenderApp(settings: ApiKeyTests.Keys());
        var client = app.CreateClient();

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(client, ApiKeyTests.ReadKey)).StatusCode);
        var admin = await Send(client, ApiKeyTests.AdminKey);
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
        Assert.Contains("recommender_", await admin.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // A scraper that can only send a bearer token (Prometheus) sends the key that way.
        Assert.Equal(HttpStatusCode.OK, (await Bearer(client, ApiKeyTests.AdminKey)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Bearer(client, "not-a-key-of-this-service")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Bearer(client, ApiKeyTests.ReadKey)).StatusCode);

        static Task<HttpResponseMessage> Bearer(HttpClient client, string key)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
            return client.SendAsync(request);
        }

        static Task<HttpResponseMessage> Send(HttpClient client, string key)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
            request.Headers.Add("X-API-Key", key);
            return client.SendAsync(request);
        }
    }

    [Fact]
    public async Task ATrainingRun_IsOneTraceOfItsStagesInOrder_AndItsLogEventsCarryTheTraceId()
    {
        var spans = new List<Activity>();
        var logs = new LogCapture();
        using var app = new RecommenderApp(
            settings: new() { ["Telemetry:Traces"] = "true", ["Serilog:MinimumLevel:Override:Recommender.Api.Training"] = "Information" },
            services: s =>
            {
                s.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(spans));
                s.AddSingleton<Serilog.Core.ILogEventSink>(logs);
            });
        var client = app.CreateClient();
        await app.WaitForModelAsync();
        var published = await logs.WaitForAsync(e => e.MessageTemplate.Text.StartsWith("Published version", StringComparison.Ordinal)).WaitAsync(TimeSpan.FromSeconds(30));

        // The run's span ends when the run returns, just after the model is published.
        Activity[] captured = [];
        for (var tries = 0; tries < 200 && !captured.Any(a => a.OperationName == "training.run"); tries++)
        {
            await Task.Delay(50);
            lock (spans)
            {
                captured = [.. spans];
            }
        }

        var run = Assert.Single(captured, a => a.OperationName == "training.run");
        Assert.Equal("published", run.GetTagItem("recommender.training.outcome"));
        Assert.Equal(1L, run.GetTagItem("recommender.model.version"));
        var stages = captured.Where(a => a.ParentSpanId == run.SpanId).OrderBy(a => a.StartTimeUtc).Select(a => a.OperationName).ToList();
        Assert.Equal(
            ["training.load", "training.split", "training.train", "training.evaluate", "training.final_fit", "training.ranking", "training.gate", "training.publish"],
            stages);
        Assert.All(captured.Where(a => a.ParentSpanId == run.SpanId), a => Assert.Equal(run.TraceId, a.TraceId));

        Assert.Equal(run.TraceId, published.TraceId);

        // Requests are traced too, health probes excepted.
        await client.GetAsync("/api/users/Hermione/recommendations");
        await client.GetAsync("/health/live");
        lock (spans)
        {
            var request = Assert.Single(spans, a => a.Kind == ActivityKind.Server && a.DisplayName == "GET /api/users/{userId}/recommendations");
            Assert.Equal("GET", request.GetTagItem("http.request.method"));
            Assert.Equal("/api/users/{userId}/recommendations", request.GetTagItem("http.route"));
            Assert.Equal(200, request.GetTagItem("http.response.status_code"));
            Assert.DoesNotContain(spans, a => a.Kind == ActivityKind.Server && (a.DisplayName.Contains("health", StringComparison.Ordinal)
                || (a.GetTagItem("url.path") as string)?.StartsWith("/health", StringComparison.Ordinal) == true));
        }
    }

    [Fact]
    public async Task TraceSampleRatio_LeavesUnsampledRequestsUnrecorded_AndAnOutOfRangeRatioStopsStartUp()
    {
        var spans = new List<Activity>();
        using (var app = new RecommenderApp(
            settings: new() { ["Telemetry:Traces"] = "true", ["Telemetry:TraceSampleRatio"] = "0.000000001" },
            services: s => s.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(spans))))
        {
            var client = app.CreateClient();
            await app.WaitForModelAsync();
            for (var n = 0; n < 20; n++)
            {
                Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/users/Hermione/recommendations")).StatusCode);
            }

            lock (spans)
            {
                Assert.DoesNotContain(spans, a => a.Kind == ActivityKind.Server);
            }
        }

        var error = RecommenderApp.StartUpFailure(() => new RecommenderApp(settings: new() { ["Telemetry:TraceSampleRatio"] = "0" }));
        Assert.Contains("Telemetry:TraceSampleRatio must be above 0 and at most 1", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GrafanaDashboard_QueriesOnlyMetricsTheServiceEmits()
    {
        var settings = ApiKeyTests.Keys(new() { ["RateLimits:Enabled"] = "true", ["RateLimits:PermitsPerSecond"] = "1", ["RateLimits:Burst"] = "8" });
        using var app = new RecommenderApp(settings: settings);
        var client = app.CreateClient();
        await app.WaitForModelAsync();
        client.DefaultRequestHeaders.Add("X-API-Key", ApiKeyTests.AdminKey);
        // Every kind of event once: a write, a fold-in, recommendations, a prediction, and a refusal by the rate limiter.
        await client.PostAsJsonAsync("/api/ratings", new { userId = "Hermione", itemId = "Back in Black", rating = 4 });
        await client.GetAsync("/api/users/Hermione/recommendations");
        await client.GetAsync("/api/users/Hermione/recommendations?strategy=rating");
        await client.GetAsync("/api/users/Hermione/predictions/Firework");
        using var anonymous = app.CreateClient();
        for (var n = 0; n < 50 && (await anonymous.GetAsync("/api/items")).StatusCode != HttpStatusCode.TooManyRequests; n++)
        {
        }

        var emitted = Sample().Matches(await ScrapeAsync(client)).Select(m => m.Groups["name"].Value).ToHashSet();
        var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(), "docker", "grafana", "dashboards", "recommender.json")));
        var panels = dashboard.RootElement.GetProperty("panels").EnumerateArray().ToList();
        Assert.NotEmpty(panels);
        foreach (var panel in panels)
        {
            var targets = panel.GetProperty("targets").EnumerateArray().ToList();
            Assert.NotEmpty(targets);
            foreach (var expression in targets.Select(t => t.GetProperty("expr").GetString()!))
            {
                // Label lists (by (...)) and label matchers ({...}) hold label names, not metrics.
                var selectors = LabelLists().Replace(expression, " ");
                var names = MetricName().Matches(selectors).Select(m => m.Value).ToList();
                Assert.True(names.Count > 0, $"'{panel.GetProperty("title")}' queries no metric of the service: {expression}");
                Assert.All(names, name => Assert.True(emitted.Contains(name), $"'{panel.GetProperty("title")}' queries {name}, which the service does not emit"));
            }
        }
    }

    internal static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Recommender.Api.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new DirectoryNotFoundException("The repository root (Recommender.Api.sln) is not above the test binaries.");
    }

    [GeneratedRegex(@"\b(?:recommender|http_server|dotnet)_[a-zA-Z0-9_:]*")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"\b(?:by|without)\s*\([^)]*\)|\{[^}]*\}")]
    private static partial Regex LabelLists();

    private static async Task<string> ScrapeAsync(HttpClient client)
    {
        var response = await client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The sum of the samples of metric <paramref name="name"/> whose labels include every one of <paramref name="labels"/>.</summary>
    private static double Sum(string scrape, string name, params string[] labels) =>
        Sample().Matches(scrape)
            .Where(m => m.Groups["name"].Value == name && labels.All(l => m.Groups["labels"].Value.Contains(l, StringComparison.Ordinal)))
            .Sum(m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?<labels>[^}]*)\})? (?<value>\S+)", RegexOptions.Multiline)]
    private static partial Regex Sample();
}
