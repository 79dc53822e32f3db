using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Recommender.Data;

namespace Recommender.Api.Tests;

public sealed class RatingEndpointsTests : IDisposable
{
    private readonly RecommenderApp _app = new(demo: false, settings: new() { ["Ratings:MaxBatchSize"] = "3", ["Training:TrainOnStart"] = "false" });
    private readonly HttpClient _client;

    public RatingEndpointsTests() => _client = _app.CreateClient();

    public void Dispose() => _app.Dispose();

    private async Task<int> CountAsync(string query = "") =>
        (await _client.GetFromJsonAsync<JsonElement>($"/api/ratings?pageSize=100{query}")).GetProperty("total").GetInt32();

    [Fact]
    public async Task Post_CreatesThenUpdates_AndGetListsIt()
    {
        var created = await _client.PostAsJsonAsync("/api/ratings", new { userId = "ann", itemId = "song", rating = 4 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.NotNull(created.Headers.Location);
        var updated = await _client.PostAsJsonAsync("/api/ratings", new { userId = "ann", itemId = "song", rating = 2.5, timestamp = "2020-01-02T03:04:05Z" });
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);

        var page = await _client.GetFromJsonAsync<JsonElement>("/api/ratings?userId=ann");
        var rating = Assert.Single(page.GetProperty("items").EnumerateArray());
        Assert.Equal(2.5, rating.GetProperty("rating").GetDouble());
        Assert.Equal(DateTimeOffset.Parse("2020-01-02T03:04:05Z", System.Globalization.CultureInfo.InvariantCulture), rating.GetProperty("timestamp").GetDateTimeOffset());
        var user = await _client.GetFromJsonAsync<JsonElement>("/api/users/ann");
        Assert.Equal(1, user.GetProperty("ratingCount").GetInt32());
    }

    [Fact]
    public async Task Delete_RemovesTheRating_AndThen404s()
    {
        await _client.PostAsJsonAsync("/api/ratings", new { userId = "ann", itemId = "song", rating = 4 });
        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync("/api/ratings/ann/song")).StatusCode);
        Assert.Equal(0, await CountAsync());
        await ProblemAssert.IsProblemAsync(await _client.DeleteAsync("/api/ratings/ann/song"), HttpStatusCode.NotFound, "song");
    }

    [Fact]
    public async Task Batch_StoresAll_AndCountsCreatedAndUpdated()
    {
        await _client.PostAsJsonAsync("/api/ratings", new { userId = "a", itemId = "x", rating = 1 });
        var response = await _client.PostAsJsonAsync("/api/ratings/batch", new
        {
            ratings = new object[] { new { userId = "a", itemId = "x", rating = 5 }, new { userId = "a", itemId = "y", rating = 3 }, new { userId = "b", itemId = "x", rating = 2 } },
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, body.GetProperty("created").GetInt32());
        Assert.Equal(1, body.GetProperty("updated").GetInt32());
        Assert.Equal(3, await CountAsync());
        Assert.Equal(2, await CountAsync("&itemId=x"));
    }

    public static TheoryData<string, string, string> BadBatches => new()
    {
        { "over the limit", """{"ratings":[{"userId":"a","itemId":"1","rating":1},{"userId":"a","itemId":"2","rating":1},{"userId":"a","itemId":"3","rating":1},{"userId":"a","itemId":"4","rating":1}]}""", "at most 3" },
        { "duplicate pair", """{"ratings":[{"userId":"a","itemId":"1","rating":1},{"userId":"a","itemId":"1","rating":2}]}""", "repeats" },
        { "one bad rating", """{"ratings":[{"userId":"a","itemId":"1","rating":1},{"userId":"a","itemId":"2","rating":9}]}""", "ratings[1].rating" },
        { "empty", """{"ratings":[]}""", "at least one" },
        { "missing", """{}""", "at least one" },
    };

    [Theory]
    [MemberData(nameof(BadBatches))]
    public async Task Batch_IsAllOrNothing_WhenAnyEntryIsInvalid(string name, string json, string mentions)
    {
        var response = await _client.PostAsync("/api/ratings/batch", new StringContent(json, Encoding.UTF8, "application/json"));
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, mentions);
        Assert.True(await CountAsync() == 0, $"{name}: nothing may be written");
    }

    public static TheoryData<string, string> BadRatings => new()
    {
        { """{"userId":"a","itemId":"x","rating":7}""", "between 0.5 and 5" },
        { """{"userId":"a","itemId":"x","rating":0}""", "between 0.5 and 5" },
        { """{"userId":"a","itemId":"x"}""", "rating is required" },
        { """{"userId":"","itemId":"x","rating":3}""", "userId" },
        { """{"userId":"   ","itemId":"x","rating":3}""", "userId" },
        { """{"itemId":"x","rating":3}""", "userId" },
        { $$"""{"userId":"{{new string('u', 129)}}","itemId":"x","rating":3}""", "at most 128" },
        { """{"userId":"a\u0001b","itemId":"x","rating":3}""", "control characters" },
        { """{"userId":"a","itemId":"x","rating":"high"}""", "rating must be a number" },
        { """{"userId":"a","itemId":"x","rating":NaN}""", "not valid JSON" },
        { """{"userId":"a","itemId":"x","rating":1e309}""", "rating" },
        { """{"userId":"a","itemId":"x","rating":3""", "not valid JSON" },
        { """not json""", "not valid JSON" },
    };

    [Theory]
    [MemberData(nameof(BadRatings))]
    public async Task Post_RejectsInvalidInput_WithAProblemNamingIt(string json, string mentions)
    {
        var response = await _client.PostAsync("/api/ratings", new StringContent(json, Encoding.UTF8, "application/json"));
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, mentions);
        Assert.Equal(0, await CountAsync());
    }

    [Theory]
    [InlineData("/api/ratings?page=0", "page")]
    [InlineData("/api/ratings?pageSize=0", "pageSize")]
    [InlineData("/api/ratings?pageSize=1000", "pageSize")]
    [InlineData("/api/ratings?page=abc", "page")]
    public async Task Get_RejectsBadPaging(string url, string mentions) =>
        await ProblemAssert.IsProblemAsync(await _client.GetAsync(url), HttpStatusCode.BadRequest, mentions);
}

/// <summary>The data version every write stamps its users with: what fold-in reads to know whose ratings changed.</summary>
public sealed class DataVersionStampTests
{
    private static async Task<(long DataVersion, Dictionary<string, long> Stamps)> StoreStateAsync(RecommenderApp app, params string[] users)
    {
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<RecommenderDbContext>>().CreateDbContextAsync();
        var stamps = await db.Users.Where(u => users.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.RatingsVersion);
        return (await db.GetDataVersionAsync(CancellationToken.None), stamps);
    }

    [Fact]
    public async Task EachWrite_BumpsTheDataVersionOnce_AndStampsTheUsersItWrote()
    {
        using var app = new RecommenderApp(demo: false, settings: new() { ["Training:TrainOnStart"] = "false" });
        var client = app.CreateClient();
        var (start, _) = await StoreStateAsync(app);

        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/ratings", new { userId = "stamp-a", itemId = "x", rating = 4 })).StatusCode);
        var (single, afterSingle) = await StoreStateAsync(app, "stamp-a");
        Assert.Equal(start + 1, single);
        Assert.Equal(single, afterSingle["stamp-a"]);

        var ratings = new[] { new { userId = "stamp-b", itemId = "x", rating = 2 }, new { userId = "stamp-c", itemId = "y", rating = 5 }, new { userId = "stamp-b", itemId = "y", rating = 3 } };
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/ratings/batch", new { ratings })).StatusCode);
        var (batch, afterBatch) = await StoreStateAsync(app, "stamp-a", "stamp-b", "stamp-c");
        Assert.Equal(single + 1, batch);
        Assert.Equal((single, batch, batch), (afterBatch["stamp-a"], afterBatch["stamp-b"], afterBatch["stamp-c"]));
    }
}
