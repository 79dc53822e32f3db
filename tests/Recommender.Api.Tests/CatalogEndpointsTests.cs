using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Recommender.Api.Tests;

public sealed class CatalogEndpointsTests : IAsyncLifetime
{
    private readonly RecommenderApp _app = new();
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _client = _app.CreateClient();
        await _app.WaitForModelAsync();
    }

    public Task DisposeAsync()
    {
        _app.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Users_AreListedPagedAndSearchable()
    {
        var page = await _client.GetFromJsonAsync<JsonElement>("/api/users?pageSize=2");
        Assert.Equal(4, page.GetProperty("total").GetInt32());
        Assert.Equal(["Darth Vader", "Hermione"], page.GetProperty("items").EnumerateArray().Select(u => u.GetProperty("userId").GetString()!));
        var search = await _client.GetFromJsonAsync<JsonElement>("/api/users?search=Sp");
        Assert.Equal("Spock", Assert.Single(search.GetProperty("items").EnumerateArray()).GetProperty("userId").GetString());

        // ASCII letters match in either case, on SQLite and PostgreSQL alike; LIKE's wildcards are taken literally.
        var anyCase = await _client.GetFromJsonAsync<JsonElement>("/api/users?search=sP");
        Assert.Equal("Spock", Assert.Single(anyCase.GetProperty("items").EnumerateArray()).GetProperty("userId").GetString());
        Assert.Equal(0, (await _client.GetFromJsonAsync<JsonElement>("/api/users?search=S%25")).GetProperty("total").GetInt32());
        Assert.Equal(0, (await _client.GetFromJsonAsync<JsonElement>("/api/users?search=_")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task User_HasARatingCount_AndUnknownIs404()
    {
        var user = await _client.GetFromJsonAsync<JsonElement>("/api/users/Hermione");
        Assert.Equal(10, user.GetProperty("ratingCount").GetInt32());
        Assert.True(user.GetProperty("inModel").GetBoolean());
        await ProblemAssert.IsProblemAsync(await _client.GetAsync("/api/users/Yoda"), HttpStatusCode.NotFound, "Yoda");
        await ProblemAssert.IsProblemAsync(await _client.GetAsync("/api/users/Yoda/recommendations?strategy=rating"), HttpStatusCode.NotFound, "Yoda");
        await ProblemAssert.IsProblemAsync(await _client.GetAsync("/api/users/Yoda/predictions"), HttpStatusCode.NotFound, "Yoda");
    }

    [Fact]
    public async Task DeleteUser_RemovesTheirRatings_AndTheyAreGoneFromQueries()
    {
        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync("/api/users/Spock")).StatusCode);
        await ProblemAssert.IsProblemAsync(await _client.GetAsync("/api/users/Spock"), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(await _client.GetAsync("/api/users/Spock/recommendations?strategy=rating"), HttpStatusCode.NotFound);
        var ratings = await _client.GetFromJsonAsync<JsonElement>("/api/ratings?userId=Spock");
        Assert.Equal(0, ratings.GetProperty("total").GetInt32());
        await ProblemAssert.IsProblemAsync(await _client.DeleteAsync("/api/users/Spock"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Items_AreListedAndDescribed()
    {
        var page = await _client.GetFromJsonAsync<JsonElement>("/api/items?pageSize=100");
        Assert.Equal(12, page.GetProperty("total").GetInt32());
        var item = await _client.GetFromJsonAsync<JsonElement>("/api/items/Back%20in%20Black");
        Assert.Equal(2, item.GetProperty("ratingCount").GetInt32());
        Assert.True(item.GetProperty("inModel").GetBoolean());
        await ProblemAssert.IsProblemAsync(await _client.GetAsync("/api/items/Thriller"), HttpStatusCode.NotFound, "Thriller");
    }

    [Fact]
    public async Task PutItem_CreatesThenUpdatesNameAndMetadata()
    {
        var created = await _client.PutAsJsonAsync("/api/items/Thriller", new { displayName = "Thriller (1982)", metadata = new { artist = "Michael Jackson", year = 1982 } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var updated = await _client.PutAsJsonAsync("/api/items/Thriller", new { displayName = "Thriller" });
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        var item = await _client.GetFromJsonAsync<JsonElement>("/api/items/Thriller");
        Assert.Equal("Thriller", item.GetProperty("displayName").GetString());
        Assert.False(item.GetProperty("inModel").GetBoolean());

        await _client.PutAsJsonAsync("/api/items/Firework", new { displayName = "Firework", metadata = new { artist = "Katy Perry" } });
        var firework = await _client.GetFromJsonAsync<JsonElement>("/api/items/Firework");
        Assert.Equal("Katy Perry", firework.GetProperty("metadata").GetProperty("artist").GetString());
        await ProblemAssert.IsProblemAsync(await _client.PutAsJsonAsync("/api/items/x", new { displayName = new string('n', 300) }), HttpStatusCode.BadRequest, "displayName");
    }

    [Fact]
    public async Task PutItem_RefusesAnUnknownField_SoTheOldNameFieldIsNotDroppedUnnoticed()
    {
        var problem = await ProblemAssert.IsProblemAsync(
            await _client.PutAsJsonAsync("/api/items/Thriller", new { name = "Thriller" }), HttpStatusCode.BadRequest, "name is not a field of this request; its fields are displayName, metadata");
        Assert.True(problem.GetProperty("errors").TryGetProperty("name", out _));
        await ProblemAssert.IsProblemAsync(await _client.GetAsync("/api/items/Thriller"), HttpStatusCode.NotFound, "Thriller");
    }

    [Fact]
    public async Task PutItem_AnswersOne201AndThe_Rest200_WhenManyCreateTheSameItemAtOnce()
    {
        var responses = await Task.WhenAll(Enumerable.Range(0, 80).Select(n =>
            _client.PutAsJsonAsync("/api/items/Contested", new { displayName = $"take {n}", metadata = new { take = n } })));

        var failures = responses.Where(r => (int)r.StatusCode >= 500).ToList();
        Assert.True(failures.Count == 0, $"{failures.Count} answered 5xx, e.g. {(failures.Count > 0 ? await failures[0].Content.ReadAsStringAsync() : "")}");
        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(79, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        var item = await _client.GetFromJsonAsync<JsonElement>("/api/items/Contested");
        var take = item.GetProperty("metadata").GetProperty("take").GetInt32();
        Assert.Equal($"take {take}", item.GetProperty("displayName").GetString());
    }

    [Fact]
    public async Task Prediction_FallsBack_ForAnItemTheModelHasNotSeen()
    {
        await _client.PutAsJsonAsync("/api/items/Thriller", new { displayName = "Thriller" });
        var prediction = await _client.GetFromJsonAsync<JsonElement>("/api/users/Hermione/predictions/Thriller");
        Assert.Equal("unknown-item", prediction.GetProperty("fallback").GetString());
        var known = await _client.GetFromJsonAsync<JsonElement>("/api/users/Hermione/predictions/Back%20in%20Black");
        Assert.Equal(JsonValueKind.Null, known.GetProperty("fallback").ValueKind);
        Assert.InRange(known.GetProperty("predictedRating").GetSingle(), 0.5f, 5f);
        Assert.Equal(1, known.GetProperty("modelVersion").GetInt64());
        await ProblemAssert.IsProblemAsync(await _client.GetAsync("/api/users/Hermione/predictions/Nothing"), HttpStatusCode.NotFound, "Nothing");
    }

    [Fact]
    public async Task UserPredictions_FlagRatedItemsWithTheirActualRating()
    {
        var row = await _client.GetFromJsonAsync<JsonElement>("/api/users/Hermione/predictions");
        var items = row.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(12, items.Count);
        Assert.Equal(10, items.Count(i => i.GetProperty("actualRating").ValueKind == JsonValueKind.Number));
        var bohemian = items.Single(i => i.GetProperty("itemId").GetString() == "Bohemian Rhapsody");
        Assert.Equal(5, bohemian.GetProperty("actualRating").GetDouble());
    }

    [Theory]
    [InlineData("/api/users/Hermione/recommendations?count=0", "count")]
    [InlineData("/api/users/Hermione/recommendations?count=-1", "count")]
    [InlineData("/api/users/Hermione/recommendations?count=100000", "count")]
    [InlineData("/api/users/Hermione/recommendations?strategy=magic", "strategy")]
    [InlineData("/api/users/Hermione/recommendations?strategy=neighbors&neighbors=0", "neighbors")]
    [InlineData("/api/users/Hermione/similar-users?basis=vibes", "basis")]
    [InlineData("/api/users/Hermione/similar-users?count=0", "count")]
    [InlineData("/api/items/Firework/similar-items?count=0", "count")]
    [InlineData("/api/predictions?pageSize=0", "pageSize")]
    [InlineData("/api/similarity/users?page=0", "page")]
    [InlineData("/api/users?pageSize=0", "pageSize")]
    [InlineData("/api/items?page=0", "page")]
    [InlineData("/api/users/%01x", "userId")]
    [InlineData("/api/items/%7F", "itemId")]
    [InlineData("/api/users/Hermione/predictions/%01", "itemId")]
    public async Task Queries_RejectBadParameters(string url, string mentions) =>
        await ProblemAssert.IsProblemAsync(await _client.GetAsync(url), HttpStatusCode.BadRequest, mentions);

    [Fact]
    public async Task Recommendations_HonourCountAndExclusions()
    {
        await _client.PostAsJsonAsync("/api/ratings/batch", new
        {
            ratings = new object[] { new { userId = "Hermione", itemId = "Back in Black", rating = 2 } },
        });
        await _client.DeleteAsync("/api/ratings/Hermione/Bohemian%20Rhapsody");
        var top = await _client.GetFromJsonAsync<JsonElement>("/api/users/Hermione/recommendations?count=5");
        var ids = top.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("itemId").GetString()).ToList();
        Assert.Equal(["Bohemian Rhapsody", "Brandenburg Concerto No. 3"], ids.Order());
        var excluded = await _client.GetFromJsonAsync<JsonElement>("/api/users/Hermione/recommendations?exclude=Bohemian%20Rhapsody,Unknown");
        Assert.Equal("Brandenburg Concerto No. 3", Assert.Single(excluded.GetProperty("items").EnumerateArray()).GetProperty("itemId").GetString());
    }
}
