using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;
using Serilog.Events;

namespace Recommender.Api.Tests;

/// <summary>
/// A configuration reload (an edited settings file) rotates API keys without a restart; an invalid reload keeps the keys
/// in force; every other setting keeps its start-up value.
/// </summary>
public sealed class ConfigurationReloadTests
{
    private const string RotatedKey = "rotated-writer-4c1f8e2b6a9d3057";
    private const string TooShortKey = "tiny-secret";

    [Fact]
    public async Task RotatedKey_TakesEffectOnReload_AndAnInvalidReloadKeepsTheKeysInForce()
    {
        var logs = new LogCapture();
        using var app = new RecommenderApp(settings: ApiKeyTests.Keys(), services: s => s.AddSingleton<ILogEventSink>(logs));
        var client = app.CreateClient();
        Assert.True((await WriteAsync(client, ApiKeyTests.WriteKey)).IsSuccessStatusCode);

        Reload(app, "Auth:Keys:1:Key", RotatedKey);

        await ProblemAssert.IsProblemAsync(await WriteAsync(client, ApiKeyTests.WriteKey), HttpStatusCode.Unauthorized);
        Assert.True((await WriteAsync(client, RotatedKey)).IsSuccessStatusCode);
        Assert.True((await WriteAsync(client, ApiKeyTests.AdminKey)).IsSuccessStatusCode);
        var reloaded = await logs.WaitForAsync(e => e.MessageTemplate.Text.StartsWith("API keys reloaded", StringComparison.Ordinal));
        Assert.Contains("writer (write)", reloaded.RenderMessage(), StringComparison.Ordinal);

        Reload(app, "Auth:Keys:1:Key", TooShortKey);

        Assert.True((await WriteAsync(client, RotatedKey)).IsSuccessStatusCode);
        await ProblemAssert.IsProblemAsync(await WriteAsync(client, TooShortKey), HttpStatusCode.Unauthorized);
        var refused = await logs.WaitForAsync(e => e.Level == LogEventLevel.Error && e.MessageTemplate.Text.StartsWith("The reloaded API keys", StringComparison.Ordinal));
        Assert.Contains("Auth:Keys:1:Key", refused.RenderMessage(), StringComparison.Ordinal);
        Assert.DoesNotContain(logs.Texts, t => t.Contains(TooShortKey, StringComparison.Ordinal) || t.Contains(RotatedKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReadsCanBeClosedByReload()
    {
        using var app = new RecommenderApp(settings: ApiKeyTests.Keys());
        var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/items")).StatusCode);

        Reload(app, "Auth:RequireKeyForReads", "true");

        await ProblemAssert.IsProblemAsync(await client.GetAsync("/api/items"), HttpStatusCode.Unauthorized, "read");
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(ApiKeyTests.Request(HttpMethod.Get, "/api/items", ApiKeyTests.ReadKey))).StatusCode);
    }

    [Fact]
    public async Task OtherSettings_KeepTheirStartUpValues_EvenWhenTheReloadedOnesAreInvalid()
    {
        using var app = new RecommenderApp();
        var client = app.CreateClient();
        await app.WaitForModelAsync();

        Reload(app, "Recommendations:MaxCount", "0");

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/users/Hermione/recommendations?count=5")).StatusCode);
        await ProblemAssert.IsProblemAsync(await client.GetAsync("/api/users/Hermione/recommendations?count=101"), HttpStatusCode.BadRequest, "100");
    }

    /// <summary>Changes one setting where the test put its settings, then reloads the configuration as a file change would.</summary>
    private static void Reload(RecommenderApp app, string key, string value)
    {
        var root = (IConfigurationRoot)app.Services.GetRequiredService<IConfiguration>();
        root.Providers.OfType<MemoryConfigurationProvider>().Last().Set(key, value);
        root.Reload();
    }

    private static Task<HttpResponseMessage> WriteAsync(HttpClient client, string key) =>
        client.SendAsync(ApiKeyTests.Request(HttpMethod.Put, "/api/items/Thriller", key, new { displayName = "Thriller" }));
}
