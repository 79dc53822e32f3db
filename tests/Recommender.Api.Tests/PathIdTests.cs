using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Recommender.Api.Tests;

public sealed class PathIdTests
{
    /// <summary>Ids that a path must carry exactly: slashes, percent signs (alone and before hex digits), dots, reserved characters, non-ASCII.</summary>
    public static readonly string[] Ids =
    [
        "victim/1", "victim%2F1", "victim%252F1", "a/../b", "50%", "%", "%zz", "a+b c", "a?b#c", "a;b=c&d", "..a", "a..", ".a", "~tilde",
        "back\\slash", "ü/é", "🎵 song", "comma,id",
    ];

    /// <summary>On Kestrel: the in-memory test server passes no raw request target, so only the server's own decoding is seen there.</summary>
    private static RecommenderApp StartOnKestrel(Dictionary<string, string?>? settings = null)
    {
        var app = new RecommenderApp(settings: settings);
        app.UseKestrel(0);
        app.StartServer();
        return app;
    }

    [Fact]
    public async Task EveryPathRoute_ReachesTheIdAClientWrote_WhenItIsPercentEncoded()
    {
        using var app = StartOnKestrel(new() { ["Training:MaxRmseRegression"] = "100" });
        var client = app.CreateClient();
        await app.WaitForModelAsync();
        // Each odd id rates every even one and some of the demo's songs, so every id is a trained user or item.
        var users = Ids.Where((_, n) => n % 2 == 0).ToArray();
        var items = Ids.Where((_, n) => n % 2 == 1).Append("Survivor").Append("Firework").ToArray();
        var ratings = users.SelectMany((u, n) => items.Select((i, m) => new { userId = u, itemId = i, rating = 1 + (n + m) % 5 }));
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/ratings/batch", new { ratings })).StatusCode);
        Assert.Equal(Training.TrainingOutcome.Published, await app.RetrainAsync(client));

        foreach (var user in users)
        {
            var u = Uri.EscapeDataString(user);
            Assert.Equal(user, (await GetAsync(client, $"/api/users/{u}")).GetProperty("userId").GetString());
            Assert.Equal(user, (await GetAsync(client, $"/api/users/{u}/predictions")).GetProperty("userId").GetString());
            Assert.Equal(user, (await GetAsync(client, $"/api/users/{u}/recommendations")).GetProperty("userId").GetString());
            Assert.Equal(user, (await GetAsync(client, $"/api/users/{u}/recommendations?strategy=neighbors")).GetProperty("userId").GetString());
            Assert.Equal(user, (await GetAsync(client, $"/api/users/{u}/similar-users")).GetProperty("userId").GetString());
            foreach (var item in items)
            {
                var prediction = await GetAsync(client, $"/api/users/{u}/predictions/{Uri.EscapeDataString(item)}");
                Assert.Equal((user, item), (prediction.GetProperty("userId").GetString(), prediction.GetProperty("itemId").GetString()));
            }
        }

        foreach (var item in items)
        {
            var i = Uri.EscapeDataString(item);
            Assert.Equal(item, (await GetAsync(client, $"/api/items/{i}")).GetProperty("itemId").GetString());
            Assert.Equal(item, (await GetAsync(client, $"/api/items/{i}/similar-items")).GetProperty("itemId").GetString());
            var put = await client.PutAsJsonAsync($"/api/items/{i}", new { displayName = "named " + item });
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            Assert.Equal(item, (await RecommenderApp.ReadAsync<JsonElement>(put)).GetProperty("itemId").GetString());
        }

        // Deleting through a path removes exactly that id's ratings and user, and no other.
        var total = (await GetAsync(client, "/api/ratings?pageSize=1")).GetProperty("total").GetInt32();
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/ratings/{Uri.EscapeDataString(users[0])}/{Uri.EscapeDataString(items[0])}")).StatusCode);
        Assert.Equal(total - 1, (await GetAsync(client, "/api/ratings?pageSize=1")).GetProperty("total").GetInt32());
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/users/{Uri.EscapeDataString("victim/1")}")).StatusCode);
        await ProblemAssert.IsProblemAsync(await client.GetAsync($"/api/users/{Uri.EscapeDataString("victim/1")}"), HttpStatusCode.NotFound, "victim/1");
        foreach (var other in users.Where(u => u != "victim/1"))
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/users/{Uri.EscapeDataString(other)}")).StatusCode);
        }
    }

    [Fact]
    public async Task DotIds_AreRefusedWhenWritten_AndAnUnencodedSlashIsNotAnId()
    {
        using var app = StartOnKestrel();
        var client = app.CreateClient();
        await app.WaitForModelAsync();

        foreach (var id in new[] { ".", ".." })
        {
            var user = await client.PostAsJsonAsync("/api/ratings", new { userId = id, itemId = "Survivor", rating = 3 });
            await ProblemAssert.IsProblemAsync(user, HttpStatusCode.BadRequest, $"must not be '{id}'");
            var item = await client.PostAsJsonAsync("/api/ratings", new { userId = "Hermione", itemId = id, rating = 3 });
            await ProblemAssert.IsProblemAsync(item, HttpStatusCode.BadRequest, "itemId");
        }

        // "victim%2F1" sent raw is the id "victim/1", which does not exist; the id "victim%2F1" is sent as victim%252F1.
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/ratings", new { userId = "victim%2F1", itemId = "Survivor", rating = 3 })).StatusCode);
        await ProblemAssert.IsProblemAsync(await client.DeleteAsync("/api/users/victim%2F1"), HttpStatusCode.NotFound, "victim/1");
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/api/users/victim%252F1")).StatusCode);
        await ProblemAssert.IsProblemAsync(await client.GetAsync("/api/users/%C3%28"), HttpStatusCode.BadRequest, "UTF-8");
    }

    private static async Task<JsonElement> GetAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement;
    }
}
