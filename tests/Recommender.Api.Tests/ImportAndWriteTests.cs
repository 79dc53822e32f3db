using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Recommender.Api.Tests;

public sealed class ImportAndWriteTests : IDisposable
{
    private readonly RecommenderApp _app = new(demo: false, settings: new() { ["Training:TrainOnStart"] = "false" });
    private readonly HttpClient _client;

    public ImportAndWriteTests() => _client = _app.CreateClient();

    public void Dispose() => _app.Dispose();

    private async Task<int> CountAsync(string query = "") =>
        (await _client.GetFromJsonAsync<JsonElement>($"/api/ratings?pageSize=100{query}")).GetProperty("total").GetInt32();

    private Task<HttpResponseMessage> ImportAsync(string body, string query = "") =>
        _client.PostAsync($"/api/ratings/import{query}", new StringContent(body, Encoding.UTF8, "text/csv"));

    [Theory]
    [InlineData("userId,movieId,rating,timestamp\n1,10,4.0,964982703\n1,20,3.5,964981247\n2,10,5.0,964982224\n")]
    [InlineData("1\t10\t4\t881250949\n1\t20\t3.5\t881250949\n2\t10\t5\t881250949\n")]
    [InlineData("1::10::4::978300760\n1::20::3.5::978300760\n2::10::5::978300760\n")]
    [InlineData("1,10,4\n1,20,3.5\n2,10,5\n")]
    public async Task Import_StoresEveryFormat(string body)
    {
        var response = await ImportAsync(body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(3, result.GetProperty("imported").GetInt64());
        Assert.Equal(2, result.GetProperty("users").GetInt32());
        Assert.Equal(3, await CountAsync());
        var rating = (await _client.GetFromJsonAsync<JsonElement>("/api/ratings?userId=1&itemId=20")).GetProperty("items")[0];
        Assert.Equal(3.5, rating.GetProperty("rating").GetDouble());
    }

    [Fact]
    public async Task Import_KeepsMovieLensTimestamps()
    {
        await ImportAsync("userId,movieId,rating,timestamp\n1,10,4.0,964982703\n");
        var rating = (await _client.GetFromJsonAsync<JsonElement>("/api/ratings?userId=1")).GetProperty("items")[0];
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(964982703), rating.GetProperty("timestamp").GetDateTimeOffset());
    }

    [Theory]
    [InlineData("1,10,4\n1,20,oops\n", "Line 2")]
    [InlineData("1,10,4\n1,20,9\n", "Line 2")]
    [InlineData("1,10,4\n1,,4\n", "Line 2")]
    [InlineData("1,10,4\n2,20\n", "Line 2")]
    [InlineData("1,10,4,964982703\n1,20,4,99999999999999999\n", "Line 2: the timestamp")]
    [InlineData("", "no ratings")]
    public async Task Import_IsAllOrNothing_AndNamesTheBadLine(string body, string mentions)
    {
        await ProblemAssert.IsProblemAsync(await ImportAsync(body), HttpStatusCode.BadRequest, mentions);
        Assert.Equal(0, await CountAsync());
        Assert.Equal(0, (await _client.GetFromJsonAsync<JsonElement>("/api/users")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Import_RefusesALineOverTheLimit_NamingTheLineAndTheLimit()
    {
        var longLine = new string('x', 3 << 20);
        var response = await ImportAsync($"1,10,4\n2,{longLine},4\n3,30,5\n");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "Line 2: the line is longer than 65536 characters");
        Assert.True(problem.GetRawText().Length < 1000, "the problem must not echo the line");
        Assert.Equal(0, await CountAsync());
    }

    [Fact]
    public async Task Import_RefusesInvalidUtf8_InsteadOfStoringMangledIds()
    {
        byte[] body = [.. Encoding.UTF8.GetBytes("1,10,4\n2,ab"), 0xFF, 0xFE, .. Encoding.UTF8.GetBytes(",4\n")];
        var response = await _client.PostAsync("/api/ratings/import", new ByteArrayContent(body) { Headers = { ContentType = new("text/csv") } });

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "not valid UTF-8");
        Assert.Equal(0, await CountAsync());
    }

    [Fact]
    public async Task Import_RejectsAnUnknownFormat() =>
        await ProblemAssert.IsProblemAsync(await ImportAsync("1,2,3\n", "?format=xml"), HttpStatusCode.BadRequest, "format");

    [Fact]
    public async Task SingleWrite_Answers503AndStoresNothing_OnceTheWriterHasStopped()
    {
        await _app.Services.GetRequiredService<Writes.RatingWriter>().StopAsync(CancellationToken.None);
        var response = await _client.PostAsJsonAsync("/api/ratings", new { userId = "late", itemId = "x", rating = 3 });
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable, "shutting down");
        Assert.Equal(0, await CountAsync());
    }

    [Fact]
    public async Task ConcurrentSingleWrites_AreAllCommitted_AndEachAnsweredCreatedOrUpdated()
    {
        var writes = Enumerable.Range(0, 200).Select(n => new { userId = $"u{n % 20}", itemId = $"i{n}", rating = 1 + n % 5 }).ToList();
        var responses = await Task.WhenAll(writes.Select(w => _client.PostAsJsonAsync("/api/ratings", w)));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        Assert.Equal(200, (await _client.GetFromJsonAsync<JsonElement>("/api/ratings?pageSize=1")).GetProperty("total").GetInt32());

        var again = await Task.WhenAll(writes.Take(50).Select(w => _client.PostAsJsonAsync("/api/ratings", w with { rating = 5 })));
        Assert.All(again, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var stored = (await _client.GetFromJsonAsync<JsonElement>("/api/ratings?userId=u3&itemId=i3")).GetProperty("items")[0];
        Assert.Equal(5, stored.GetProperty("rating").GetDouble());
    }
}
