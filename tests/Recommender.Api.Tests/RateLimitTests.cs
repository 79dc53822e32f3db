using System.Net;

namespace Recommender.Api.Tests;

public sealed class RateLimitTests
{
    private static Dictionary<string, string?> Limited(string permitsPerSecond = "1", string burst = "2") => ApiKeyTests.Keys(new()
    {
        ["RateLimits:Enabled"] = "true",
        ["RateLimits:PermitsPerSecond"] = permitsPerSecond,
        ["RateLimits:Burst"] = burst,
    });

    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, string url, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (key is not null)
        {
            request.Headers.Add("X-API-Key", key);
        }

        return await client.SendAsync(request);
    }

    /// <summary>Sends requests until one is refused (at most 50; a bucket of 2 refilling 1 a second runs dry long before).</summary>
    private static async Task<HttpResponseMessage> ExhaustAsync(HttpClient client, string? key = null)
    {
        for (var n = 0; n < 50; n++)
        {
            var response = await GetAsync(client, "/api/items", key);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return response;
            }
        }

        throw new Xunit.Sdk.XunitException("50 requests in a row were let through by a bucket of 2 permits.");
    }

    [Fact]
    public async Task RateLimit_Answers429ProblemWithRetryAfter_WhenAClientEmptiesItsBucket()
    {
        using var app = new RecommenderApp(settings: Limited());
        var client = app.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "/api/items")).StatusCode);
        var refused = await ExhaustAsync(client);

        await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.TooManyRequests, "RateLimits:PermitsPerSecond");
        var retryAfter = Assert.Single(refused.Headers.GetValues("Retry-After"));
        Assert.InRange(int.Parse(retryAfter, System.Globalization.CultureInfo.InvariantCulture), 1, 60);
    }

    [Fact]
    public async Task RateLimit_KeepsOneBucketPerKeyName_AndLeavesHealthProbesAlone()
    {
        using var app = new RecommenderApp(settings: Limited());
        var client = app.CreateClient();
        await app.WaitForModelAsync();

        var refused = await ExhaustAsync(client, ApiKeyTests.WriteKey);
        await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.TooManyRequests, "'writer'");

        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "/api/items", ApiKeyTests.ReadKey)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "/api/items")).StatusCode);
        await ExhaustAsync(client);
        for (var n = 0; n < 10; n++)
        {
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "/health/live")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "/health/ready")).StatusCode);
        }
    }

    [Fact]
    public async Task RateLimit_LetsEveryRequestThrough_WhenDisabled()
    {
        var settings = Limited(burst: "1");
        settings["RateLimits:Enabled"] = "false";
        using var app = new RecommenderApp(settings: settings);
        var client = app.CreateClient();

        for (var n = 0; n < 30; n++)
        {
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "/api/items")).StatusCode);
        }
    }
}
