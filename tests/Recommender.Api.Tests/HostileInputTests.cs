using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Recommender.Api.Tests;

/// <summary>One service with the notebook's data and a trained model, shared by the table's cases (they must not change it).</summary>
public sealed class HostileInputFixture : IAsyncLifetime
{
    public RecommenderApp App { get; } = new(settings: new()
    {
        ["Ratings:MaxBatchSize"] = "5",
        ["Limits:MaxRequestBodyBytes"] = "65536",
        ["Training:TrainOnStart"] = "true",
    });

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Client = App.CreateClient();
        await App.WaitForModelAsync();
    }

    public Task DisposeAsync()
    {
        App.Dispose();
        return Task.CompletedTask;
    }
}

public sealed class HostileInputTests(HostileInputFixture fixture) : IClassFixture<HostileInputFixture>
{
    private const string Json = "application/json";
    private static readonly string Long = new('u', 129);

    /// <summary>A malformed request: what is sent, the 4xx it must get, and a word its ProblemDetails must contain.</summary>
    public sealed record Case(string Name, string Method, string Url, byte[]? Body, string? ContentType, HttpStatusCode Status, string Mentions)
    {
        public override string ToString() => Name;
    }

    private static Case Post(string name, string url, string body, HttpStatusCode status, string mentions, string? contentType = Json) =>
        new(name, "POST", url, Encoding.UTF8.GetBytes(body), contentType, status, mentions);

    private static Case Rating(string name, string body, string mentions) => Post(name, "/api/ratings", body, HttpStatusCode.BadRequest, mentions);

    private static Case Get(string name, string url, HttpStatusCode status, string mentions) => new(name, "GET", url, null, null, status, mentions);

    private static Case Import(string name, byte[] body, string mentions) =>
        new(name, "POST", "/api/ratings/import", body, "text/csv", HttpStatusCode.BadRequest, mentions);

    private static Case Send(string name, string method, string url, HttpStatusCode status, string mentions) => new(name, method, url, null, null, status, mentions);

    private static byte[] Bytes(params object[] parts) =>
        [.. parts.SelectMany(p => p is string s ? Encoding.UTF8.GetBytes(s) : (byte[])p)];

    public static readonly Case[] Cases =
    [
        // Invalid JSON and wrong types.
        Rating("truncated JSON", """{"userId":"a","itemId":"x","rating":3""", "not valid JSON"),
        Rating("not JSON at all", "rating=5", "not valid JSON"),
        Rating("JSON array instead of object", """[{"userId":"a","itemId":"x","rating":3}]""", "The request body must be an object"),
        Rating("trailing garbage", """{"userId":"a","itemId":"x","rating":3} x""", "not valid JSON"),
        Rating("rating as a string", """{"userId":"a","itemId":"x","rating":"high"}""", "rating must be a number"),
        Rating("rating as a numeric string", """{"userId":"a","itemId":"x","rating":"4"}""", "rating must be a number"),
        Rating("rating as an object", """{"userId":"a","itemId":"x","rating":{"value":4}}""", "rating must be a number"),
        Rating("userId as a number", """{"userId":42,"itemId":"x","rating":3}""", "userId must be a string"),
        Rating("timestamp that is not a date", """{"userId":"a","itemId":"x","rating":3,"timestamp":"yesterday"}""", "timestamp must be a date and time"),
        Rating("nesting past the depth limit", new string('[', 100) + new string(']', 100), "The request body must be an object"),
        Rating("empty body", "", "body"),
        Rating("JSON null", "null", "body"),
        // Non-finite and out-of-range numbers.
        Rating("NaN literal", """{"userId":"a","itemId":"x","rating":NaN}""", "not valid JSON"),
        Rating("NaN as a string", """{"userId":"a","itemId":"x","rating":"NaN"}""", "rating must be a number"),
        Rating("Infinity literal", """{"userId":"a","itemId":"x","rating":Infinity}""", "not valid JSON"),
        Rating("-Infinity as a string", """{"userId":"a","itemId":"x","rating":"-Infinity"}""", "rating must be a number"),
        Rating("1e309 overflows a double", """{"userId":"a","itemId":"x","rating":1e309}""", "rating"),
        Rating("rating above the scale", """{"userId":"a","itemId":"x","rating":7}""", "between 0.5 and 5"),
        Rating("rating zero", """{"userId":"a","itemId":"x","rating":0}""", "between 0.5 and 5"),
        Rating("negative rating", """{"userId":"a","itemId":"x","rating":-3}""", "between 0.5 and 5"),
        Rating("rating that underflows to zero", """{"userId":"a","itemId":"x","rating":1e-400}""", "between 0.5 and 5"),
        Rating("missing rating", """{"userId":"a","itemId":"x"}""", "rating is required"),
        // Ids: blank, oversize, control characters, broken UTF-16 and UTF-8.
        Rating("blank userId", """{"userId":"","itemId":"x","rating":3}""", "userId is required"),
        Rating("whitespace itemId", """{"userId":"a","itemId":"  \t ","rating":3}""", "itemId is required"),
        Rating("missing userId", """{"itemId":"x","rating":3}""", "userId is required"),
        Rating("129-character userId", $$"""{"userId":"{{Long}}","itemId":"x","rating":3}""", "at most 128"),
        Rating("NUL in itemId", """{"userId":"a","itemId":"x\u0000y","rating":3}""", "control characters"),
        Rating("newline in userId", """{"userId":"a\nb","itemId":"x","rating":3}""", "control characters"),
        Rating("DEL in userId", """{"userId":"a\u007F","itemId":"x","rating":3}""", "control characters"),
        Rating("right-to-left override in userId", """{"userId":"admin\u202Egpj.exe","itemId":"x","rating":3}""", "U+202E"),
        Rating("isolate in itemId", """{"userId":"a","itemId":"x\u2067y","rating":3}""", "bidirectional"),
        Rating("'..' as a userId (no path could address it)", """{"userId":"..","itemId":"x","rating":3}""", "must not be '..'"),
        Rating("'.' as an itemId", """{"userId":"a","itemId":".","rating":3}""", "itemId must not be '.'"),
        Rating("lone surrogate escape in userId", """{"userId":"a\ud800","itemId":"x","rating":3}""", "userId"),
        new("invalid UTF-8 bytes in an id", "POST", "/api/ratings", Bytes("{\"userId\":\"a", new byte[] { 0xFF, 0xFE }, "\",\"itemId\":\"x\",\"rating\":3}"), Json, HttpStatusCode.BadRequest, "UTF-8"),
        new("overlong UTF-8 encoding of '/'", "POST", "/api/ratings", Bytes("{\"userId\":\"..", new byte[] { 0xC0, 0xAF }, "etc\",\"itemId\":\"x\",\"rating\":3}"), Json, HttpStatusCode.BadRequest, "UTF-8"),
        new("truncated UTF-8 sequence at the end", "POST", "/api/ratings", Bytes("{\"userId\":\"a\",\"itemId\":\"x\",\"rating\":3,\"z\":\"", new byte[] { 0xE2, 0x82 }), Json, HttpStatusCode.BadRequest, "not valid JSON"),
        // Content types.
        Post("text/plain body", "/api/ratings", """{"userId":"a","itemId":"x","rating":3}""", HttpStatusCode.UnsupportedMediaType, "JSON", "text/plain"),
        Post("XML content type", "/api/ratings/batch", """{"ratings":[]}""", HttpStatusCode.UnsupportedMediaType, "JSON", "application/xml"),
        Post("form content type", "/api/ratings", "userId=a&itemId=x&rating=3", HttpStatusCode.UnsupportedMediaType, "JSON", "application/x-www-form-urlencoded"),
        new("PUT item as text/plain", "PUT", "/api/items/Thriller", Encoding.UTF8.GetBytes("""{"displayName":"Thriller"}"""), "text/plain", HttpStatusCode.UnsupportedMediaType, "JSON"),
        Post("wrong type deep in a batch", "/api/ratings/batch", """{"ratings":[{"userId":"a","itemId":"x","rating":1},{"userId":"a","itemId":"y","rating":true}]}""", HttpStatusCode.BadRequest, "ratings[1].rating must be a number"),
        // Batches.
        Post("batch over the limit", "/api/ratings/batch", "{\"ratings\":[" + string.Join(",", Enumerable.Range(0, 6).Select(n => $"{{\"userId\":\"a\",\"itemId\":\"i{n}\",\"rating\":1}}")) + "]}", HttpStatusCode.BadRequest, "at most 5"),
        Post("batch repeating a (user, item) pair", "/api/ratings/batch", """{"ratings":[{"userId":"a","itemId":"x","rating":1},{"userId":"a","itemId":"x","rating":2}]}""", HttpStatusCode.BadRequest, "repeats"),
        Post("batch with one bad rating", "/api/ratings/batch", """{"ratings":[{"userId":"a","itemId":"x","rating":1},{"userId":"a","itemId":"y","rating":99}]}""", HttpStatusCode.BadRequest, "ratings[1].rating"),
        Post("batch with a null entry", "/api/ratings/batch", """{"ratings":[{"userId":"a","itemId":"x","rating":1},null]}""", HttpStatusCode.BadRequest, "ratings[1]"),
        Post("empty batch", "/api/ratings/batch", """{"ratings":[]}""", HttpStatusCode.BadRequest, "at least one"),
        Post("batch that is not an array", "/api/ratings/batch", """{"ratings":"all of them"}""", HttpStatusCode.BadRequest, "ratings must be an array"),
        Post("body over Limits:MaxRequestBodyBytes", "/api/ratings/batch", "{\"ratings\":[" + string.Join(",", Enumerable.Range(0, 2000).Select(n => $"{{\"userId\":\"a\",\"itemId\":\"item-{n}\",\"rating\":1}}")) + "]}", HttpStatusCode.RequestEntityTooLarge, "Limits:MaxRequestBodyBytes"),
        // Rating files (import): every bad line refuses the whole body.
        Import("import line over 64 Ki characters", Bytes("a,x,3\n", new string('x', 70_000), ",y,3\n"), "Line 2: the line is longer than 65536 characters"),
        Import("import line of 3 MB without a line end", Bytes(new string('z', 3 << 20)), "Line 1: the line is longer than 65536"),
        Import("import with invalid UTF-8 bytes in an id", Bytes("a,x,3\nb", new byte[] { 0xC0, 0xAF }, "y,3\n"), "not valid UTF-8"),
        Import("import with a NUL in a user id", Bytes("a,x,3\nb\u0000c,x,3\n"), "Line 2: the user id must not contain control characters"),
        Import("import with a right-to-left override in an item id", Bytes("a,x\u202Egpj,3\n"), "U+202E"),
        Import("import with a 129-character item id", Bytes($"a,{Long},3\n"), "at most 128"),
        Import("import with '..' as an item id", Bytes("a,..,3\n"), "must not be '..'"),
        Import("import with a NaN rating", Bytes("a,x,3\nb,y,NaN\n"), "Line 2: the rating 'NaN' is not a finite number"),
        Import("import with a rating that overflows", Bytes("a,x,3\nb,y,1e39\n"), "not a finite number"),
        Import("import with a rating above the scale", Bytes("a,x,3\nb,y,50\n"), "outside 0.5..5"),
        Import("import with five fields", Bytes("a,x,3\nb,y,3,964982703,extra\n"), "expected 3 or 4 fields"),
        Import("import with an unclosed quote", Bytes("a,x,3\n\"b,y,3\n"), "not closed"),
        Import("import with a timestamp in milliseconds", Bytes("a,x,3,964982703\nb,y,3,964982703000000\n"), "not a Unix time in seconds"),
        Import("import of a header only", Bytes("userId,movieId,rating,timestamp\n"), "no ratings"),
        Post("import in an unknown format", "/api/ratings/import?format=xlsx", "a,x,3\n", HttpStatusCode.BadRequest, "format must be", "text/csv"),
        // Query parameters.
        Get("count 0", "/api/users/Hermione/recommendations?count=0", HttpStatusCode.BadRequest, "count"),
        Get("negative count", "/api/users/Hermione/recommendations?count=-5", HttpStatusCode.BadRequest, "count"),
        Get("huge count", "/api/users/Hermione/recommendations?count=1000000", HttpStatusCode.BadRequest, "count"),
        Get("count beyond int", "/api/users/Hermione/similar-users?count=99999999999", HttpStatusCode.BadRequest, "count"),
        Get("count that is not a number", "/api/items/Firework/similar-items?count=ten", HttpStatusCode.BadRequest, "count"),
        Get("unknown strategy", "/api/users/Hermione/recommendations?strategy=magic", HttpStatusCode.BadRequest, "strategy"),
        Get("neighbors 0", "/api/users/Hermione/recommendations?strategy=neighbors&neighbors=0", HttpStatusCode.BadRequest, "neighbors"),
        Get("unknown similarity basis", "/api/users/Hermione/similar-users?basis=vibes", HttpStatusCode.BadRequest, "basis"),
        Get("page 0", "/api/predictions?page=0", HttpStatusCode.BadRequest, "page"),
        Get("pageSize over the limit", "/api/ratings?pageSize=100000", HttpStatusCode.BadRequest, "pageSize"),
        Get("search longer than an id", $"/api/users?search={Long}", HttpStatusCode.BadRequest, "search"),
        Get("exclude with a control character", "/api/users/Hermione/recommendations?exclude=a,%01", HttpStatusCode.BadRequest, "exclude"),
        Get("rating filter with a control character", "/api/ratings?userId=%1B[31m", HttpStatusCode.BadRequest, "userId"),
        // Ids in paths: control characters, oversize, injection- and traversal-shaped (handled literally).
        Get("control character in a user path", "/api/users/a%0Ab", HttpStatusCode.BadRequest, "userId"),
        Get("bidirectional mark in a user path", "/api/users/a%E2%80%8Fb/recommendations", HttpStatusCode.BadRequest, "U+200F"),
        Get("129-character item path", $"/api/items/{new string('i', 129)}", HttpStatusCode.BadRequest, "at most 128"),
        Send("delete with a control character", "DELETE", "/api/ratings/Hermione/%7F", HttpStatusCode.BadRequest, "itemId"),
        Get("SQL injection as a user id", "/api/users/" + Uri.EscapeDataString("'; DROP TABLE Ratings;--"), HttpStatusCode.NotFound, "'; DROP TABLE Ratings;--"),
        Get("SQL tautology as a user id", "/api/users/" + Uri.EscapeDataString("x' OR '1'='1") + "/recommendations?strategy=rating", HttpStatusCode.NotFound, "x' OR '1'='1"),
        Send("SQL injection in a delete", "DELETE", "/api/ratings/Hermione/" + Uri.EscapeDataString("x' OR 1=1;--"), HttpStatusCode.NotFound, "x' OR 1=1;--"),
        Send("SQL injection deleting a user", "DELETE", "/api/users/" + Uri.EscapeDataString("Hermione' OR '1'='1"), HttpStatusCode.NotFound, "Hermione' OR '1'='1"),
        Get("path traversal as an encoded id", "/api/items/..%2F..%2Fetc%2Fpasswd", HttpStatusCode.NotFound, "passwd"),
        Get("backslash traversal as an id", "/api/users/..%5C..%5Cwindows%5Cwin.ini", HttpStatusCode.NotFound, "win.ini"),
        Get("traversal in a prediction", "/api/users/Hermione/predictions/..%2Fmodels%2Fmodel-00000001.bin", HttpStatusCode.NotFound, "model-00000001.bin"),
        // Model operations.
        Send("activating an unknown version", "POST", "/api/model/versions/999999/activate", HttpStatusCode.NotFound, "999999"),
        Send("activating version 0", "POST", "/api/model/versions/0/activate", HttpStatusCode.NotFound, "version 0"),
    ];

    public static TheoryData<Case> Table => [.. Cases];

    [Fact]
    public void Table_CoversAtLeastFortyMalformedRequests() => Assert.True(Cases.Length >= 40, $"{Cases.Length} cases");

    [Theory]
    [MemberData(nameof(Table))]
    public async Task MalformedRequest_GetsA4xxProblemNamingIt_AndChangesNothing(Case request)
    {
        var before = await SnapshotAsync();
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), request.Url);
        if (request.Body is not null)
        {
            message.Content = new ByteArrayContent(request.Body);
            if (request.ContentType is not null)
            {
                message.Content.Headers.ContentType = new(request.ContentType);
            }
        }

        var response = await fixture.Client.SendAsync(message);

        await ProblemAssert.IsProblemAsync(response, request.Status, request.Mentions);
        Assert.Equal(before, await SnapshotAsync());
    }

    [Fact]
    public async Task InjectionShapedIds_AreStoredAndQueriedLiterally()
    {
        using var app = new RecommenderApp(demo: false, settings: new() { ["Training:TrainOnStart"] = "false" });
        var client = app.CreateClient();
        string[] ids = ["'; DROP TABLE Ratings;--", "x' OR '1'='1", "../../etc/passwd", "%2e%2e%2f", "Robert'); DELETE FROM Users;--", "<script>alert(1)</script>"];

        foreach (var id in ids)
        {
            Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/ratings", new { userId = id, itemId = id, rating = 3 })).StatusCode);
        }

        var all = await client.GetFromJsonAsync<JsonElement>("/api/ratings?pageSize=100");
        Assert.Equal(ids.Order(StringComparer.Ordinal), all.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("userId").GetString()!).Order(StringComparer.Ordinal));
        var one = await client.GetFromJsonAsync<JsonElement>("/api/ratings?userId=" + Uri.EscapeDataString("x' OR '1'='1"));
        Assert.Equal(1, one.GetProperty("total").GetInt32());
        var none = await client.GetFromJsonAsync<JsonElement>("/api/ratings?userId=" + Uri.EscapeDataString("' OR 1=1 --"));
        Assert.Equal(0, none.GetProperty("total").GetInt32());
        var user = await client.GetFromJsonAsync<JsonElement>("/api/users/" + Uri.EscapeDataString("'; DROP TABLE Ratings;--"));
        Assert.Equal(1, user.GetProperty("ratingCount").GetInt32());
    }

    /// <summary>Everything a malformed request could have changed: ratings, users, items, the model and its versions.</summary>
    private async Task<string> SnapshotAsync()
    {
        var client = fixture.Client;
        var model = await client.GetFromJsonAsync<JsonElement>("/api/model");
        var parts = new[]
        {
            await client.GetStringAsync("/api/ratings?pageSize=100"),
            await client.GetStringAsync("/api/users?pageSize=100"),
            await client.GetStringAsync("/api/items?pageSize=100"),
            await client.GetStringAsync("/api/model/versions"),
            model.GetProperty("version").ToString(),
            model.GetProperty("counts").ToString(),
            model.GetProperty("foldedInUsers").ToString(),
            model.GetProperty("training").ToString(),
        };
        return string.Join("\n", parts);
    }
}
