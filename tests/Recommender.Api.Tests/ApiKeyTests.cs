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

    internal static HttpRequestMessage Request(HttpMethod method, string url, string? key, object? body = null)
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
        { "PUT", "/api/items/Thriller", """{"displayName":"Thriller"}""" },
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
        var byAdmin = await client.SendAsync(Request(HttpMethod.Put, "/api/items/Thriller", AdminKey, new { displayName = "Thriller" }));
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
}
