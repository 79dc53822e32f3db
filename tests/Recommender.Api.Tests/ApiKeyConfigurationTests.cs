using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Recommender.Data;
using Serilog.Core;
using Serilog.Events;

namespace Recommender.Api.Tests;

/// <summary>How keys are configured and started with, shown in OpenAPI, and kept out of logs.</summary>
public sealed class ApiKeyConfigurationTests
{
    private const string ReadKey = ApiKeyTests.ReadKey;
    private const string WriteKey = ApiKeyTests.WriteKey;
    private const string AdminKey = ApiKeyTests.AdminKey;

    private static Dictionary<string, string?> Keys(Dictionary<string, string?>? more = null) => ApiKeyTests.Keys(more);

    private static HttpRequestMessage Request(HttpMethod method, string url, string? key, object? body = null) => ApiKeyTests.Request(method, url, key, body);

    [Fact]
    public async Task OpenApi_DescribesTheApiKeyHeader_AndWhichRoleEachOperationNeeds()
    {
        using var app = new RecommenderApp(settings: Keys());
        var document = await app.CreateClient().GetFromJsonAsync<JsonElement>("/swagger/v1/swagger.json");

        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey");
        Assert.Equal("apiKey", scheme.GetProperty("type").GetString());
        Assert.Equal("header", scheme.GetProperty("in").GetString());
        Assert.Equal("X-API-Key", scheme.GetProperty("name").GetString());
        Assert.Contains(document.GetProperty("security").EnumerateArray(), r => r.TryGetProperty("ApiKey", out _));
        var retrain = document.GetProperty("paths").GetProperty("/api/model/retrain").GetProperty("post");
        Assert.Contains("`admin`", retrain.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.True(retrain.GetProperty("responses").TryGetProperty("403", out _));
        var post = document.GetProperty("paths").GetProperty("/api/ratings").GetProperty("post");
        Assert.Contains("`write`", post.GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Production_RefusesToStart_WhenNoKeysAreConfigured()
    {
        var error = RecommenderApp.StartUpFailure(() => new RecommenderApp(environment: "Production"));
        Assert.Contains("Auth:Keys", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("Auth:AllowAnonymous", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Production_StartsOpen_WhenAllowAnonymousIsSet_AndEnforcesKeysOtherwise()
    {
        using (var open = new RecommenderApp(environment: "Production", settings: new() { ["Auth:AllowAnonymous"] = "true" }))
        {
            var response = await open.CreateClient().PostAsJsonAsync("/api/ratings", new { userId = "ann", itemId = "song", rating = 4 });
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        using var keyed = new RecommenderApp(environment: "Production", settings: Keys());
        var client = keyed.CreateClient();
        await ProblemAssert.IsProblemAsync(await client.PostAsJsonAsync("/api/ratings", new { userId = "ann", itemId = "song", rating = 4 }), HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(Request(HttpMethod.Post, "/api/ratings", WriteKey, new { userId = "ann", itemId = "song", rating = 4 }))).StatusCode);
    }

    [Fact]
    public void Testing_StartsOpen_WithALoudWarning_WhenNoKeysAreConfigured()
    {
        var logs = new LogCapture();
        using var app = new RecommenderApp(services: s => s.AddSingleton<ILogEventSink>(logs));
        app.CreateClient();

        Assert.Contains(logs.Events, e => e.Level == LogEventLevel.Warning && e.RenderMessage().Contains("NO API KEYS ARE CONFIGURED", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Auth:Keys:0:Key", "short-secret", "Auth:Keys:0:Key")]
    [InlineData("Auth:Keys:0:Key", "has a space in the middle", "Auth:Keys:0:Key")]
    [InlineData("Auth:Keys:0:Name", "", "Auth:Keys:0:Name")]
    [InlineData("Auth:Keys:0:Name", "writer", "unique")]
    [InlineData("Auth:Keys:0:Key", WriteKey, "share a key")]
    [InlineData("Auth:Keys:0:Role", "root", "Auth:Keys:0:Role")]
    [InlineData("Auth:Keys:0:Colour", "blue", "Colour")]
    [InlineData("RateLimits:PermitsPerSecond", "0", "RateLimits:PermitsPerSecond")]
    [InlineData("Limits:MaxRequestBodyBytes", "10", "Limits:MaxRequestBodyBytes")]
    [InlineData("Limits:RequestTimeout", "-00:00:01", "Limits:RequestTimeout")]
    [InlineData("Cors:Origins:0", "https://app.example.com/path", "Cors:Origins:0")]
    [InlineData("Cors:Origins:0", "*", "Cors:Origins:0")]
    public void InvalidSecurityOptions_StopStartUp_NamingTheOptionButNotTheSecret(string key, string value, string named)
    {
        var error = RecommenderApp.StartUpFailure(() => new RecommenderApp(settings: Keys(new() { [key] = value })));
        Assert.Contains(named, error.ToString(), StringComparison.Ordinal);
        foreach (var secret in new[] { ReadKey, WriteKey, AdminKey, "short-secret" })
        {
            Assert.DoesNotContain(secret, error.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ApiKey_NeverAppearsInLogs_OnSuccessRefusalMalformedInputOrServerError()
    {
        var logs = new LogCapture();
        var gate = new CommandGate();
        using var app = new RecommenderApp(settings: Keys(LogCapture.Verbose), services: s =>
        {
            s.AddSingleton<ILogEventSink>(logs);
            s.ConfigureDbContext<RecommenderDbContext>(o => o.AddInterceptors(gate));
        });
        var client = app.CreateClient();
        await app.WaitForModelAsync();

        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(Request(HttpMethod.Post, "/api/ratings", WriteKey, new { userId = "ann", itemId = "song", rating = 4 }))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Request(HttpMethod.Get, "/api/users/ann?x=1", AdminKey))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(Request(HttpMethod.Post, "/api/model/retrain", WriteKey))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(Request(HttpMethod.Get, "/api/ratings", WriteKey + "-typo"))).StatusCode);
        var malformed = Request(HttpMethod.Post, "/api/ratings", WriteKey);
        malformed.Content = new StringContent("{\"userId\":", Encoding.UTF8, "application/json");
        Assert.Equal(HttpStatusCode.BadRequest, (await client.SendAsync(malformed)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.SendAsync(Request(HttpMethod.Get, "/no/such/path", ReadKey))).StatusCode);
        var failed = await client.SendAsync(Request(HttpMethod.Get, $"/api/ratings?userId={CommandGate.FailMarker}", AdminKey));
        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.DoesNotContain(AdminKey, await failed.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        await logs.WaitForAsync(e => LogCapture.Text(e).Contains("writer", StringComparison.Ordinal) && LogCapture.Text(e).Contains("/api/ratings", StringComparison.Ordinal));
        await logs.WaitForAsync(e => e.Exception?.Message.Contains("on fire", StringComparison.Ordinal) == true);
        await logs.WaitForAsync(e => LogCapture.Text(e).Contains("StatusCode=500", StringComparison.Ordinal));
        var texts = logs.Texts.ToList();
        foreach (var secret in new[] { ReadKey, WriteKey, AdminKey })
        {
            Assert.DoesNotContain(texts, t => t.Contains(secret, StringComparison.Ordinal));
        }
    }
}
