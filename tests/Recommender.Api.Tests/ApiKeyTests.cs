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

public sealed class ApiKeyTests
{
    public const string ReadKey = "reader-secret-5f0c2a9e7d41b8c3";
    public const string WriteKey = "writer-secret-9a7e3c1d5b2f4e60";
    public const string AdminKey = "admin-secret-3d8b6f2a0c9e7a15";

    /// <summary>Three keys, one per role, as configuration names them.</summary>
    public static Dictionary<string, string?> Keys(Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Auth:Keys:0:Name"] = "reader", ["Auth:Keys:0:Key"] = ReadKey, ["Auth:Keys:0:Role"] = "read",
            ["Auth:Keys:1:Name"] = "writer", ["Auth:Keys:1:Key"] = WriteKey, ["Auth:Keys:1:Role"] = "write",
            ["Auth:Keys:2:Name"] = "operator", ["Auth:Keys:2:Key"] = AdminKey, ["Auth:Keys:2:Role"] = "admin",
        };
        foreach (var (key, value) in more ?? [])
        {
            settings[key] = value;
        }

        return settings;
    }

    private static HttpRequestMessage Request(HttpMethod method, string url, string? key, object? body = null)
    {
        var request = new HttpRequestMessage(method, url);
        if (key is not null)
        {
            request.Headers.Add("X-API-Key", key);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return request;
    }

    /// <summary>Every write the service offers, the bulk import among them.</summary>
    public static TheoryData<string, string, string?> Writes => new()
    {
        { "POST", "/api/ratings", """{"userId":"ann","itemId":"song","rating":4}""" },
        { "POST", "/api/ratings/batch", """{"ratings":[{"userId":"ann","itemId":"song","rating":4}]}""" },
        { "POST", "/api/ratings/import", "userId,itemId,rating\nann,song,4\n" },
        { "DELETE", "/api/ratings/Hermione/Firework", null },
        { "DELETE", "/api/users/Hermione", null },
        { "PUT", "/api/items/Thriller", """{"name":"Thriller"}""" },
    };

    private static HttpRequestMessage Write(string method, string url, string? body, string? key)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, url.EndsWith("import", StringComparison.Ordinal) ? "text/csv" : "application/json");
        }

        if (key is not null)
        {
            request.Headers.Add("X-API-Key", key);
        }

        return request;
    }

    private static async Task<string> StoreAsync(HttpClient client, string key) =>
        await (await client.SendAsync(Request(HttpMethod.Get, "/api/ratings?pageSize=100", key))).Content.ReadAsStringAsync()
        + await (await client.SendAsync(Request(HttpMethod.Get, "/api/users?pageSize=100", key))).Content.ReadAsStringAsync()
        + await (await client.SendAsync(Request(HttpMethod.Get, "/api/items?pageSize=100", key))).Content.ReadAsStringAsync();

    [Theory]
    [MemberData(nameof(Writes))]
    public async Task Write_Answers401NamingTheWriteRole_WhenNoKeyOrAnUnknownKeyIsSent(string method, string url, string? body)
    {
        using var app = new RecommenderApp(settings: Keys());
        var client = app.CreateClient();
        var before = await StoreAsync(client, AdminKey);

        var anonymous = await client.SendAsync(Write(method, url, body, key: null));
        await ProblemAssert.IsProblemAsync(anonymous, HttpStatusCode.Unauthorized, "'write' role");
        Assert.Contains("X-API-Key", anonymous.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        var unknown = await client.SendAsync(Write(method, url, body, key: WriteKey + "x"));
        await ProblemAssert.IsProblemAsync(unknown, HttpStatusCode.Unauthorized, "not hold a known API key");

        Assert.Equal(before, await StoreAsync(client, AdminKey));
    }

    [Theory]
    [MemberData(nameof(Writes))]
    public async Task Write_Answers403NamingTheWriteRole_WhenTheKeyOnlyReads(string method, string url, string? body)
    {
        using var app = new RecommenderApp(settings: Keys());
        var client = app.CreateClient();
        var before = await StoreAsync(client, AdminKey);

        var response = await client.SendAsync(Write(method, url, body, ReadKey));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "'write' role");
        Assert.Contains("reader", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await StoreAsync(client, AdminKey));
    }

    [Fact]
    public async Task Writes_Succeed_WithAWriteKeyOrAnAdminKey()
    {
        using var app = new RecommenderApp(settings: Keys());
        var client = app.CreateClient();

        var written = await client.SendAsync(Request(HttpMethod.Post, "/api/ratings", WriteKey, new { userId = "ann", itemId = "song", rating = 4 }));
        Assert.Equal(HttpStatusCode.Created, written.StatusCode);
        var byAdmin = await client.SendAsync(Request(HttpMethod.Put, "/api/items/Thriller", AdminKey, new { name = "Thriller" }));
        Assert.Equal(HttpStatusCode.Created, byAdmin.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(Request(HttpMethod.Delete, "/api/ratings/ann/song", WriteKey))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(Request(HttpMethod.Delete, "/api/users/ann", AdminKey))).StatusCode);
    }

    [Fact]
    public async Task ModelAdministration_NeedsTheAdminRole()
    {
        using var app = new RecommenderApp(settings: Keys());
        var client = app.CreateClient();
        await app.WaitForModelAsync();

        foreach (var url in new[] { "/api/model/retrain", "/api/model/versions/1/activate" })
        {
            await ProblemAssert.IsProblemAsync(await client.SendAsync(Request(HttpMethod.Post, url, null)), HttpStatusCode.Unauthorized, "'admin' role");
            await ProblemAssert.IsProblemAsync(await client.SendAsync(Request(HttpMethod.Post, url, ReadKey)), HttpStatusCode.Forbidden, "'admin' role");
            await ProblemAssert.IsProblemAsync(await client.SendAsync(Request(HttpMethod.Post, url, WriteKey)), HttpStatusCode.Forbidden, "'admin' role");
        }

        var finished = app.Status.NextRunAsync(CancellationToken.None);
        Assert.Equal(HttpStatusCode.Accepted, (await client.SendAsync(Request(HttpMethod.Post, "/api/model/retrain", AdminKey))).StatusCode);
        await finished.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Request(HttpMethod.Post, "/api/model/versions/1/activate", AdminKey))).StatusCode);
    }

    [Fact]
    public async Task Reads_AreOpenByDefault_AndAKeyThatIsSentMustBeKnown()
    {
        using var app = new RecommenderApp(settings: Keys());
        var client = app.CreateClient();
        await app.WaitForModelAsync();

        foreach (var url in new[] { "/api/ratings", "/api/users/Hermione", "/api/items", "/api/model", "/api/users/Hermione/recommendations", "/api/predictions", "/api/similarity/users" })
        {
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Request(HttpMethod.Get, url, null))).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Request(HttpMethod.Get, url, ReadKey))).StatusCode);
        }

        // Near misses: one character off, a prefix, a longer key, another case, two headers.
        foreach (var wrong in new[] { ReadKey[..^1] + "0", ReadKey[..^1], ReadKey + ReadKey, ReadKey.ToUpperInvariant(), "x" })
        {
            await ProblemAssert.IsProblemAsync(await client.SendAsync(Request(HttpMethod.Get, "/api/ratings", wrong)), HttpStatusCode.Unauthorized, "not hold a known API key");
        }

        var twice = Request(HttpMethod.Get, "/api/ratings", ReadKey);
        twice.Headers.Add("X-API-Key", WriteKey);
        await ProblemAssert.IsProblemAsync(await client.SendAsync(twice), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Reads_NeedAReadKey_WhenRequireKeyForReadsIsSet()
    {
        using var app = new RecommenderApp(settings: Keys(new() { ["Auth:RequireKeyForReads"] = "true" }));
        var client = app.CreateClient();
        await app.WaitForModelAsync();

        foreach (var url in new[] { "/api/ratings", "/api/users", "/api/items/Firework", "/api/model/versions", "/api/users/Hermione/predictions/Firework", "/api/items/Firework/similar-items" })
        {
            await ProblemAssert.IsProblemAsync(await client.SendAsync(Request(HttpMethod.Get, url, null)), HttpStatusCode.Unauthorized, "'read' role");
            foreach (var key in new[] { ReadKey, WriteKey, AdminKey })
            {
                Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Request(HttpMethod.Get, url, key))).StatusCode);
            }
        }
    }

    [Fact]
    public async Task HealthAndSwagger_StayOpen_WhenEveryReadNeedsAKey()
    {
        using var app = new RecommenderApp(settings: Keys(new() { ["Auth:RequireKeyForReads"] = "true" }));
        var client = app.CreateClient();
        await app.WaitForModelAsync();

        foreach (var url in new[] { "/health/live", "/health/ready", "/swagger/v1/swagger.json", "/swagger/index.html" })
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(url)).StatusCode);
        }
    }

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
        using var app = new RecommenderApp(environment: "Production");
        var error = Assert.ThrowsAny<Exception>(() => app.CreateClient());
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
        using var app = new RecommenderApp(settings: Keys(new() { [key] = value }));
        var error = Assert.ThrowsAny<Exception>(() => app.CreateClient());
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
