using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Recommender.Data;

namespace Recommender.Api.Tests;

public sealed class RequestLimitsTests
{
    private static string Batch(int count) =>
        "{\"ratings\":[" + string.Join(",", Enumerable.Range(0, count).Select(n => $"{{\"userId\":\"bulk\",\"itemId\":\"item-{n}\",\"rating\":3}}")) + "]}";

    private static async Task<int> TotalAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/ratings")).GetProperty("total").GetInt32();

    [Fact]
    public async Task BodyLimit_Answers413Problem_WhenTheDeclaredLengthIsOverTheLimit()
    {
        using var app = new RecommenderApp(settings: new() { ["Limits:MaxRequestBodyBytes"] = "4096" });
        var client = app.CreateClient();
        var before = await TotalAsync(client);

        var small = await client.PostAsync("/api/ratings/batch", new StringContent(Batch(20), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        var large = await client.PostAsync("/api/ratings/batch", new StringContent(Batch(200), Encoding.UTF8, "application/json"));

        await ProblemAssert.IsProblemAsync(large, HttpStatusCode.RequestEntityTooLarge, "Limits:MaxRequestBodyBytes");
        Assert.Equal(before + 20, await TotalAsync(client));
    }

    [Fact]
    public async Task BodyLimit_Answers413Problem_WhenAChunkedBodyGrowsPastTheLimitOnKestrel()
    {
        using var app = new RecommenderApp(settings: new() { ["Limits:MaxRequestBodyBytes"] = "4096" });
        app.UseKestrel(0);
        app.StartServer();
        var client = app.CreateClient();
        var before = await TotalAsync(client);

        // No Content-Length: HttpClient streams the body chunked, so only Kestrel can stop it.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/ratings/batch") { Content = new ChunkedContent(Encoding.UTF8.GetBytes(Batch(200))) };
        request.Headers.TransferEncodingChunked = true;
        var response = await client.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(before, await TotalAsync(client));
    }

    [Fact]
    public async Task RequestTimeout_Answers504Problem_AndCancelsTheWork_WhenARequestRunsTooLong()
    {
        var gate = new CommandGate();
        using var app = new RecommenderApp(
            settings: new() { ["Limits:RequestTimeout"] = "00:00:01" },
            services: s => s.ConfigureDbContext<RecommenderDbContext>(o => o.AddInterceptors(gate)));
        var client = app.CreateClient();

        var response = await client.GetAsync($"/api/ratings?userId={CommandGate.SlowMarker}");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.GatewayTimeout, "Limits:RequestTimeout");
        Assert.True(gate.Entered.IsCompleted);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/ratings")).StatusCode);
    }

    /// <summary>A body of unknown length, so HttpClient sends it chunked.</summary>
    private sealed class ChunkedContent : HttpContent
    {
        private readonly byte[] _bytes;

        public ChunkedContent(byte[] bytes)
        {
            _bytes = bytes;
            Headers.ContentType = new("application/json");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var offset = 0; offset < _bytes.Length; offset += 1024)
            {
                await stream.WriteAsync(_bytes.AsMemory(offset, Math.Min(1024, _bytes.Length - offset)));
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }
}
