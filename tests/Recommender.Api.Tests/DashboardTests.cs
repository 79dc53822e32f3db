using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Recommender.Api.Tests.Browser;
using Recommender.Api.Training;

namespace Recommender.Api.Tests;

/// <summary>
/// The dashboard at / in headless Chromium against the service on a real Kestrel socket (the demo data, a private
/// database). Every wait polls the DOM with a deadline. Set DASHBOARD_SCREENSHOT to a file path to save the
/// screenshot that README.md shows (docs/dashboard.png).
/// </summary>
public sealed class DashboardTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private const string Ready = "document.body?.dataset.ready === 'true'";
    private RecommenderApp? _app;
    private ChromiumProcess? _chromium;
    private DevToolsConnection? _devTools;
    private string _address = "";

    // Nothing starts here: a skipped test must not need a browser. Each test calls StartAsync.
    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        try
        {
            if (_devTools is not null)
            {
                await _devTools.DisposeAsync();
            }
        }
        finally
        {
            _chromium?.Dispose();
            _app?.Dispose();
        }
    }

    [ChromiumFact]
    public async Task Dashboard_ShowsTheDemoMatricesAndModel_WithoutConsoleErrors()
    {
        var page = await StartAsync();

        var shape = await page.WaitForAsync("""
            (() => {
                const matrix = document.getElementById('matrix-table'), similarity = document.getElementById('similarity-table');
                if (!matrix || !similarity) return null;
                return {
                    users: [...matrix.tBodies[0].rows].map(r => r.cells[0].textContent),
                    items: [...matrix.tHead.rows[0].cells].slice(1).map(c => c.textContent),
                    cells: [...matrix.tBodies[0].rows].map(r => r.cells.length - 1),
                    similarityCells: [...similarity.tBodies[0].rows].map(r => r.cells.length - 1),
                    version: document.getElementById('model-version').textContent,
                    curves: document.querySelectorAll('#loss-charts polyline').length,
                };
            })()
            """, "both heat-maps", Timeout);

        Assert.Equal(["Darth Vader", "Hermione", "Ripley", "Spock"], Strings(shape.GetProperty("users")).Order());
        var items = Strings(shape.GetProperty("items"));
        Assert.Equal(12, items.Count);
        Assert.Contains("Hedwig’s Theme", items);
        Assert.All(Ints(shape.GetProperty("cells")), n => Assert.Equal(12, n));
        Assert.Equal([4, 4, 4, 4], Ints(shape.GetProperty("similarityCells")));
        Assert.Equal(_app!.Models.Current!.Model.Version.ToString(), shape.GetProperty("version").GetString());
        Assert.True(shape.GetProperty("curves").GetInt32() >= 2, "the objective and RMSE curves are drawn");
        Assert.Empty(page.Errors);
    }

    [ChromiumFact]
    public async Task Dashboard_ShowsABlendsParts_AndColoursRatingsOnTheConfiguredScale()
    {
        var page = await StartAsync(settings: new() { ["Training:Algorithm"] = "Blend", ["Ratings:Max"] = "10" });

        var shown = await page.WaitForAsync("""
            (() => {
                const legend = document.querySelector('#matrix .legend');
                if (!legend || !document.getElementById('matrix-table')) return null;
                return { model: document.getElementById('model-algorithm').textContent, legend: legend.textContent };
            })()
            """, "the predicted-rating heat-map", Timeout);

        Assert.Equal("Blend · 576 factors: Bayesian 32 × 16 samples + SvdPlusPlus 64 · ranking by ease", shown.GetProperty("model").GetString());
        Assert.Contains("10.0", shown.GetProperty("legend").GetString(), StringComparison.Ordinal);
        Assert.Empty(page.Errors);
    }

    [ChromiumFact]
    public async Task Dashboard_RecommendsHermionesTwoUnratedSongs_WhenSheIsChosenInTheSearchBox()
    {
        var page = await StartAsync();

        await page.TypeAsync("#user-search", "Her");
        await page.WaitForAsync("""
            (() => { const found = [...document.querySelectorAll('#user-results [data-user]')].map(b => b.dataset.user); return found.length === 1 && found[0] === 'Hermione'; })()
            """, "the search to narrow the users to Hermione", Timeout);
        await page.ClickAsync("#user-results [data-user='Hermione']");
        var recommended = await page.WaitForAsync(RowHeaders("recommendations-table", "Hermione (ranked by ease)"), "Hermione's recommendations, saying which model ranked them", Timeout);
        Assert.Equal(["Back in Black", "Brandenburg Concerto No. 3"], Strings(recommended).Order());
        await page.WaitForAsync("document.getElementById('ranking-metrics-table')?.caption.textContent.includes('Top-10 quality')", "the ranking metrics beside popularity's", Timeout);
        Assert.Equal(3, (await page.EvaluateAsync("document.getElementById('ranking-metrics-table').tBodies[0].rows.length")).GetInt32());

        await page.ClickAsync("input[name='strategy'][value='neighbors']");
        var neighbours = await page.WaitForAsync(RowHeaders("neighbors-table", "Neighbours"), "the contributing neighbours", Timeout);
        Assert.Equal(["Darth Vader", "Ripley", "Spock"], Strings(neighbours).Order());
        recommended = await page.WaitForAsync(RowHeaders("recommendations-table", "neighbour-weighted"), "the neighbour-weighted recommendations", Timeout);
        Assert.Equal(["Back in Black", "Brandenburg Concerto No. 3"], Strings(recommended).Order());

        await page.ClickAsync("#matrix-table thead [data-item='Hedwig’s Theme']");
        var similar = await page.WaitForAsync(RowHeaders("similar-items-table", "Hedwig’s Theme"), "the items similar to Hedwig’s Theme", Timeout);
        Assert.Equal(5, similar.GetArrayLength());
        Assert.DoesNotContain("Hedwig’s Theme", Strings(similar));

        if (Environment.GetEnvironmentVariable("DASHBOARD_SCREENSHOT") is { Length: > 0 } path)
        {
            await page.EvaluateAsync("window.scrollTo(0, 0)");
            await File.WriteAllBytesAsync(path, await page.ScreenshotAsync());
        }

        Assert.Empty(page.Errors);
    }

    [ChromiumFact]
    public async Task Dashboard_ShowsTheNewModelVersion_WhenRetrainIsClicked()
    {
        var page = await StartAsync();
        var before = _app!.Models.Current!.Model.Version;
        await page.WaitForAsync($"document.getElementById('model-version').textContent === '{before}'", $"version {before} to be shown", Timeout);

        await page.ClickAsync("#retrain");
        var shown = await page.WaitForAsync(
            $"(() => {{ const v = document.getElementById('model-version').textContent; return /^[0-9]+$/.test(v) && v !== '{before}' ? v : null; }})()",
            "a new model version after retraining", Timeout);
        var after = long.Parse(shown.GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(after > before);
        Assert.Equal(_app.Models.Current!.Model.Version, after);

        // The replaced version is kept: activating it from the version list serves it again.
        await page.ClickAsync($"#versions-table button[data-version='{before}']");
        await page.WaitForAsync($"document.getElementById('model-version').textContent === '{before}'", $"version {before} to be served again", Timeout);
        Assert.Equal(before, _app.Models.Current!.Model.Version);

        // The activation pinned it; Unpin ends the pin.
        await page.WaitForAsync(
            $"document.getElementById('model-pin').textContent.startsWith('version {before}:') && !document.getElementById('unpin').hidden",
            $"version {before} to be shown pinned", Timeout);
        Assert.Equal(before, _app.Models.PinnedVersion);
        await page.ClickAsync("#unpin");
        await page.WaitForAsync("document.getElementById('unpin').hidden && document.getElementById('model-pin').textContent.startsWith('no')", "the pin to end", Timeout);
        Assert.Null(_app.Models.PinnedVersion);
        Assert.Empty(page.Errors);
    }

    [ChromiumFact]
    public async Task Dashboard_ShowsThe401DetailThenSendsTheKey_WhenTheServiceRequiresAnApiKey()
    {
        const string key = "s3cret key";
        var page = await StartAsync(services: services => services.AddSingleton<IStartupFilter>(new RequireApiKey(key)), waitUntilReady: false);

        var problem = await page.WaitForAsync(
            "(() => { const p = document.getElementById('problem'); return p.hidden ? null : p.innerText; })()", "the 401 problem", Timeout);
        Assert.Contains(RequireApiKey.Detail, problem.GetString());
        Assert.Contains("(401)", problem.GetString());

        await page.TypeAsync("#api-key", key);
        await page.ClickAsync("#key-form button[type='submit']");
        await page.WaitForAsync(
            $"{Ready} && document.getElementById('problem').hidden && document.getElementById('model-version').textContent === '{_app!.Models.Current!.Model.Version}'",
            "the dashboard to load with the key", Timeout);
        Assert.Equal(key, (await page.EvaluateAsync("sessionStorage.getItem('recommender.apiKey')")).GetString());
    }

    /// <summary>
    /// The service on 127.0.0.1 and a free port with the demo data (or, without it, what <paramref name="prepare"/>
    /// posts through the API), a browser, and / loaded in a 1280 × 900 tab.
    /// </summary>
    private async Task<BrowserPage> StartAsync(
        Action<IServiceCollection>? services = null, Func<HttpClient, Task>? prepare = null, bool waitUntilReady = true,
        Dictionary<string, string?>? settings = null)
    {
        _app = new RecommenderApp(demo: prepare is null, services: services, settings: settings);
        _app.UseKestrel(0);
        _app.StartServer();
        if (prepare is null)
        {
            await _app.WaitForModelAsync();
        }

        _address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        if (prepare is not null)
        {
            using var client = _app.CreateClient();
            await prepare(client);
        }

        _chromium = await ChromiumProcess.LaunchAsync(Timeout);
        _devTools = await DevToolsConnection.ConnectAsync(_chromium.Endpoint, CancellationToken.None);
        var page = await BrowserPage.OpenAsync(_devTools, 1280, 900);
        await page.NavigateAsync($"{_address}/");
        if (waitUntilReady)
        {
            await page.WaitForAsync(Ready, "the dashboard to load", Timeout);
        }

        return page;
    }

    [ChromiumFact]
    public async Task Dashboard_ShowsSearchableListsInsteadOfHeatMaps_WhenTheCatalogueIsLarge()
    {
        var page = await StartAsync(prepare: async client =>
        {
            // 60 users × 60 items: past the heat-maps' 50 × 50.
            var ratings = Enumerable.Range(0, 60).SelectMany(u => Enumerable.Range(0, 3)
                .Select(k => new { userId = $"listener {u:00}", itemId = $"track {(u + 20 * k) % 60:00}", rating = 1 + (u + k) % 5 }));
            var response = await client.PostAsJsonAsync("/api/ratings/batch", new { ratings });
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(TrainingOutcome.Published, await _app!.RetrainAsync(client));
        });

        var summary = await page.WaitForAsync(
            "(() => { const large = document.getElementById('matrix-large'); return large.hidden ? null : document.getElementById('matrix-large-summary').textContent; })()",
            "the large-catalogue lists", Timeout);
        Assert.Contains("60 users × 60 items", summary.GetString());
        Assert.False((await page.EvaluateAsync("document.getElementById('matrix-table') !== null || document.getElementById('similarity-table') !== null")).GetBoolean());

        await page.TypeAsync("#item-search", "track 1");
        var items = await page.WaitForAsync(RowHeaders("item-results-table", "starting with “track 1”"), "the items starting with 'track 1'", Timeout);
        Assert.Equal(Enumerable.Range(10, 10).Select(i => $"track {i}"), Strings(items));

        await page.ClickAsync("#user-results [data-user='listener 07']");
        var similar = await page.WaitForAsync(RowHeaders("similar-users-table", "listener 07"), "the users most similar to listener 07", Timeout);
        Assert.Equal(10, similar.GetArrayLength());
        Assert.DoesNotContain("listener 07", Strings(similar));
        Assert.Empty(page.Errors);
    }

    [ChromiumFact]
    public async Task Dashboard_ServesUsersAndItems_WhoseIdsHoldSlashesAndPercentSigns()
    {
        const string fan = "fan/1 50%";
        const string live = "AC/DC%2F Live";
        var page = await StartAsync(prepare: async client =>
        {
            string[] listeners = [fan, "other/2", "third"];
            string[] songs = [live, "Survivor", "Firework", "Thriller", "Clair de Lune"];
            var ratings = listeners.SelectMany((u, n) => songs.Select((i, m) => (u, i, m))
                .Where(r => r.u != fan || r.i != "Thriller")
                .Select(r => new { userId = r.u, itemId = r.i, rating = 1 + (n + r.m) % 5 }));
            Assert.Equal(System.Net.HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/ratings/batch", new { ratings })).StatusCode);
            Assert.Equal(TrainingOutcome.Published, await _app!.RetrainAsync(client));
        });

        await page.TypeAsync("#user-search", "fan/");
        await page.WaitForAsync($"document.querySelector({JsonSerializer.Serialize($"#user-results [data-user='{fan}']")}) !== null", "the search to find the fan", Timeout);
        await page.ClickAsync($"#user-results [data-user='{fan}']");
        var recommended = await page.WaitForAsync(RowHeaders("recommendations-table", fan), "the fan's recommendations", Timeout);
        Assert.Equal(["Thriller"], Strings(recommended));
        var rated = await page.WaitForAsync(RowHeaders("user-items-table", "Ratings and predictions"), "the fan's ratings and predictions", Timeout);
        Assert.Contains(live, Strings(rated));

        await page.ClickAsync($"#matrix-table thead [data-item='{live}']");
        var similar = await page.WaitForAsync(RowHeaders("similar-items-table", live), "the items similar to the live album", Timeout);
        Assert.DoesNotContain(live, Strings(similar));
        Assert.NotEqual(0, similar.GetArrayLength());
        Assert.Empty(page.Errors);
    }

    [ChromiumFact]
    public async Task Dashboard_ShowsItemNames_WithTheIdAsTooltip_OnceACatalogueIsImported()
    {
        var page = await StartAsync(prepare: async client =>
        {
            string[] listeners = ["ann", "bob", "cy"];
            var ratings = listeners.SelectMany((u, n) => Enumerable.Range(1, 5)
                .Where(i => u != "ann" || i != 4)
                .Select(i => new { userId = u, itemId = i.ToString(System.Globalization.CultureInfo.InvariantCulture), rating = 3 + (n + i) % 3 }));
            Assert.Equal(System.Net.HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/ratings/batch", new { ratings })).StatusCode);
            const string movies = "movieId,title,genres\n1,Toy Story (1995),Animation\n2,Jumanji (1995),Adventure\n3,Heat (1995),Crime\n4,\"American President, The (1995)\",Comedy\n5,Casino (1995),Drama\n";
            var imported = await client.PostAsync("/api/items/import", new StringContent(movies, System.Text.Encoding.UTF8, "text/csv"));
            Assert.Equal(System.Net.HttpStatusCode.OK, imported.StatusCode);
            Assert.Equal(TrainingOutcome.Published, await _app!.RetrainAsync(client));
        });

        await page.TypeAsync("#user-search", "ann");
        await page.WaitForAsync("document.querySelector(\"#user-results [data-user='ann']\") !== null", "the search to find ann", Timeout);
        await page.ClickAsync("#user-results [data-user='ann']");
        var recommended = await page.WaitForAsync(
            $"(() => {{ const names = {RowHeaders("recommendations-table", "ann")}; return names && names[0] !== '4' ? names : null; }})()",
            "ann's recommendation by its title", Timeout);
        Assert.Equal(["American President, The (1995)"], Strings(recommended));
        Assert.Equal("4", (await page.EvaluateAsync("document.querySelector('#recommendations-table [data-item]').title")).GetString());
        Assert.Empty(page.Errors);
    }

    /// <summary>The row headers of a table once its caption mentions <paramref name="caption"/>; null before.</summary>
    private static string RowHeaders(string tableId, string caption) => $$"""
        (() => {
            const table = document.getElementById({{JsonSerializer.Serialize(tableId)}});
            if (!table || !table.caption.textContent.includes({{JsonSerializer.Serialize(caption)}})) return null;
            return [...table.tBodies[0].rows].map(r => r.cells[0].textContent);
        })()
        """;

    private static List<string> Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToList();

    private static List<int> Ints(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt32()).ToList();

    /// <summary>Stands in for API keys (not in the service yet): /api answers 401 ProblemDetails without the right X-API-Key.</summary>
    private sealed class RequireApiKey(string key) : IStartupFilter
    {
        public const string Detail = "A valid X-API-Key header is required.";

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, nextMiddleware) =>
            {
                if (context.Request.Path.StartsWithSegments("/api") && context.Request.Headers["X-API-Key"] != key)
                {
                    await Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: Detail).ExecuteAsync(context);
                    return;
                }

                await nextMiddleware(context);
            });
            next(app);
        };
    }
}
