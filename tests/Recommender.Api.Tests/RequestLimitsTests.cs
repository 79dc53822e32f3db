using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Recommender.Api.Contracts;
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

    [Fact]
    public async Task RequestTimeout_NeverCutsABody_WhenItExpiresWhileTheBodyIsBeingWritten()
    {
        var slow = new SlowRowConverter();
        using var app = new RecommenderApp(
            settings: new() { ["Limits:RequestTimeout"] = "00:00:01", ["Training:MaxRmseRegression"] = "100" },
            services: s => s.Configure<JsonOptions>(o => o.SerializerOptions.Converters.Add(slow)));
        var client = app.CreateClient();
        await app.WaitForModelAsync();
        // 200 items with long ids: each row carries ~6 KB of numbers, so once the first row has stalled past the timeout,
        // the JSON writer still has several flushes to make.
        var ratings = Enumerable.Range(0, 200).Select(n => new { userId = SlowRowConverter.UserId, itemId = $"item-{n:D3}-{new string('x', 100)}", rating = 3 });
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/ratings/batch", new { ratings })).StatusCode);
        Assert.Equal(Training.TrainingOutcome.Published, await app.RetrainAsync(client));

        var response = await client.GetAsync("/api/predictions?pageSize=20");

        // The handler had finished: the body is sent whole, although writing it outlived the timeout. (Before, the
        // timeout cancelled the JSON writer mid-body and the response ended as if complete: a cut 200.)
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(5, body.GetProperty("rows").GetArrayLength());
        Assert.All(body.GetProperty("rows").EnumerateArray(), row => Assert.Equal(212, row.GetProperty("predicted").GetArrayLength()));
        Assert.True(slow.Slowed > 0);
    }

    [Fact]
    public async Task MatrixPages_AreBoundedInCells_AndTheItemsCanBePaged()
    {
        using var app = new RecommenderApp(settings: new() { ["Recommendations:MaxMatrixCells"] = "24" });
        var client = app.CreateClient();
        await app.WaitForModelAsync();

        // The demo has 4 users × 12 songs: two rows of every item fit, three do not.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/predictions?pageSize=2")).StatusCode);
        await ProblemAssert.IsProblemAsync(await client.GetAsync("/api/predictions?pageSize=3"), HttpStatusCode.BadRequest, "Recommendations:MaxMatrixCells");
        await ProblemAssert.IsProblemAsync(await client.GetAsync("/api/similarity/users?pageSize=7"), HttpStatusCode.BadRequest, "at most 6 rows");
        await ProblemAssert.IsProblemAsync(await client.GetAsync("/api/predictions?pageSize=4&itemPageSize=0"), HttpStatusCode.BadRequest, "itemPageSize");

        var whole = await RecommenderApp.ReadAsync<JsonElement>(await client.GetAsync("/api/predictions?pageSize=1"));
        var paged = await RecommenderApp.ReadAsync<JsonElement>(await client.GetAsync("/api/predictions?pageSize=4&itemPage=2&itemPageSize=5"));
        Assert.Equal(12, paged.GetProperty("totalItems").GetInt32());
        Assert.Equal(
            whole.GetProperty("items").EnumerateArray().Skip(5).Take(5).Select(i => i.GetString()),
            paged.GetProperty("items").EnumerateArray().Select(i => i.GetString()));
        Assert.Equal(
            whole.GetProperty("rows")[0].GetProperty("predicted").EnumerateArray().Skip(5).Take(5).Select(v => v.GetSingle()),
            paged.GetProperty("rows")[0].GetProperty("predicted").EnumerateArray().Select(v => v.GetSingle()));
        Assert.Equal(4, paged.GetProperty("rows").GetArrayLength());
    }

    /// <summary>Writes prediction rows normally, but stalls past the timeout before the first one.</summary>
    private sealed class SlowRowConverter : JsonConverter<PredictionRow>
    {
        public const string UserId = "long-row";
        private JsonSerializerOptions? _plain;

        public int Slowed { get; private set; }

        public override PredictionRow Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException();

        public override void Write(Utf8JsonWriter writer, PredictionRow value, JsonSerializerOptions options)
        {
            if (Slowed++ == 0)
            {
                Thread.Sleep(TimeSpan.FromSeconds(1.5));
            }

            _plain ??= WithoutThis(options);
            JsonSerializer.Serialize(writer, value, _plain);
        }

        private JsonSerializerOptions WithoutThis(JsonSerializerOptions options)
        {
            var plain = new JsonSerializerOptions(options);
            plain.Converters.Remove(this);
            return plain;
        }
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
