using System.Net;

namespace Recommender.Api.Tests;

public sealed class BrowserHeadersTests
{
    private static HttpRequestMessage Preflight(string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/api/ratings");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "content-type,x-api-key");
        return request;
    }

    [Fact]
    public async Task Cors_AllowsTheConfiguredOriginsOnly()
    {
        using var app = new RecommenderApp(settings: new() { ["Cors:Origins:0"] = "https://app.example.com" });
        var client = app.CreateClient();

        var allowed = await client.SendAsync(Preflight("https://app.example.com"));
        Assert.True(allowed.IsSuccessStatusCode, allowed.StatusCode.ToString());
        Assert.Equal("https://app.example.com", Assert.Single(allowed.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Contains("x-api-key", string.Join(",", allowed.Headers.GetValues("Access-Control-Allow-Headers")), StringComparison.OrdinalIgnoreCase);

        var other = await client.SendAsync(Preflight("https://evil.example.net"));
        Assert.False(other.Headers.Contains("Access-Control-Allow-Origin"));
        var get = new HttpRequestMessage(HttpMethod.Get, "/api/items");
        get.Headers.Add("Origin", "https://evil.example.net");
        Assert.False((await client.SendAsync(get)).Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Cors_AllowsNoOrigin_ByDefault()
    {
        using var app = new RecommenderApp();
        var response = await app.CreateClient().SendAsync(Preflight("https://app.example.com"));
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Theory]
    [InlineData("/api/items", HttpStatusCode.OK)]
    [InlineData("/api/users/%01", HttpStatusCode.BadRequest)]
    [InlineData("/api/users/Nobody", HttpStatusCode.NotFound)]
    [InlineData("/no/such/path", HttpStatusCode.NotFound)]
    [InlineData("/health/live", HttpStatusCode.OK)]
    [InlineData("/swagger/v1/swagger.json", HttpStatusCode.OK)]
    public async Task SecurityHeaders_AreOnEveryResponse_AndNonPagesMayLoadNothing(string url, HttpStatusCode status)
    {
        using var app = new RecommenderApp();
        var response = await app.CreateClient().GetAsync(url);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        var policy = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecurityHeaders_LetPagesRunScriptsFromThisOriginOnly()
    {
        using var app = new RecommenderApp();
        var response = await app.CreateClient().GetAsync("/swagger/index.html");

        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var policy = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        var directives = policy.Split(';', StringSplitOptions.TrimEntries).ToDictionary(d => d.Split(' ')[0], d => d);
        Assert.Equal("script-src 'self'", directives["script-src"]);
        Assert.Equal("frame-ancestors 'none'", directives["frame-ancestors"]);
        Assert.Equal("object-src 'none'", directives["object-src"]);
        // Swagger UI's page loads its scripts from files, with no inline script the policy would block.
        Assert.DoesNotContain("<script>", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }
}
