using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Recommender.Api.Tests;

/// <summary><c>POST /api/items/import</c>: an item catalogue (itemId,name[,more]) in one transaction, all or nothing.</summary>
public sealed class ItemImportTests : IDisposable
{
    private const string Movies = """
        movieId,title,genres
        1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy
        11,"American President, The (1995)",Comedy|Drama|Romance
        "Firework","Firework (Katy Perry, 2010)",Pop
        """;

    private readonly RecommenderApp _app = new(settings: new() { ["Training:TrainOnStart"] = "false" });
    private readonly HttpClient _client;

    public ItemImportTests() => _client = _app.CreateClient();

    public void Dispose() => _app.Dispose();

    private static StringContent Csv(string body) => new(body, Encoding.UTF8, "text/csv");

    private Task<HttpResponseMessage> ImportAsync(string body, string query = "") => _client.PostAsync($"/api/items/import{query}", Csv(body));

    private async Task<JsonElement> ItemAsync(string itemId) =>
        await _client.GetFromJsonAsync<JsonElement>($"/api/items/{Uri.EscapeDataString(itemId)}");

    [Fact]
    public async Task ImportItems_StoresNamesAndFurtherColumnsAsMetadata_FromAMovieLensStyleFile()
    {
        var response = await ImportAsync(Movies);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, (await RecommenderApp.ReadAsync<JsonElement>(response)).GetProperty("imported").GetInt64());
        var toyStory = await ItemAsync("1");
        Assert.Equal("Toy Story (1995)", toyStory.GetProperty("displayName").GetString());
        Assert.Equal("Adventure|Animation|Children|Comedy|Fantasy", toyStory.GetProperty("metadata").GetProperty("genres").GetString());
        Assert.Equal("American President, The (1995)", (await ItemAsync("11")).GetProperty("displayName").GetString());
        // An item of the demo (it has ratings) is named and described like a new one.
        var firework = await ItemAsync("Firework");
        Assert.Equal("Firework (Katy Perry, 2010)", firework.GetProperty("displayName").GetString());
        Assert.Equal("Pop", firework.GetProperty("metadata").GetProperty("genres").GetString());
        Assert.True(firework.GetProperty("ratingCount").GetInt32() > 0);
    }

    [Fact]
    public async Task ImportItems_UpdatesNamesAndMetadata_WhenImportedAgain_AndKeepsMetadata_WhenTheFileHasNoFurtherColumns()
    {
        await ImportAsync(Movies);

        Assert.Equal(HttpStatusCode.OK, (await ImportAsync("1,Toy Story,Animation\n2,Jumanji (1995),Adventure\n", "?header=false")).StatusCode);
        var toyStory = await ItemAsync("1");
        Assert.Equal("Toy Story", toyStory.GetProperty("displayName").GetString());
        Assert.Equal("Animation", toyStory.GetProperty("metadata").GetProperty("column3").GetString());
        Assert.False(toyStory.GetProperty("metadata").TryGetProperty("genres", out _));
        Assert.Equal("Jumanji (1995)", (await ItemAsync("2")).GetProperty("displayName").GetString());

        Assert.Equal(HttpStatusCode.OK, (await ImportAsync("itemId,name\n1,Toy Story (1995)\n")).StatusCode);
        toyStory = await ItemAsync("1");
        Assert.Equal("Toy Story (1995)", toyStory.GetProperty("displayName").GetString());
        Assert.Equal("Animation", toyStory.GetProperty("metadata").GetProperty("column3").GetString());
    }

    [Theory]
    [InlineData("movieId,title,genres\n5,Father of the Bride Part II (1995),Comedy\n6,Heat (1995)\n", "Line 3")]
    [InlineData("movieId,title\n5,Father of the Bride Part II (1995)\n6,\"Heat (1995)\n", "Line 3")]
    [InlineData("movieId,title\n5,Father of the Bride Part II (1995)\n6,\"Heat\" (1995)\n", "Line 3")]
    [InlineData("movieId,title\n5,Father of the Bride Part II (1995)\n,Heat (1995)\n", "Line 3")]
    [InlineData("movieId,title\n5,Father of the Bride Part II (1995)\n6,Heat\u0007(1995)\n", "Line 3")]
    [InlineData("movieId,title\n5,Father of the Bride Part II (1995)\n..,Heat (1995)\n", "Line 3")]
    [InlineData("movieId,title,genres,genres\n5,Father of the Bride Part II (1995),Comedy,Drama\n", "Line 1")]
    [InlineData("movieId,title\n", "no items")]
    public async Task ImportItems_Answers400NamingTheLine_AndChangesNothing_WhenALineIsMalformed(string body, string mentions)
    {
        await ImportAsync(Movies);

        await ProblemAssert.IsProblemAsync(await ImportAsync(body), HttpStatusCode.BadRequest, mentions);

        await ProblemAssert.IsProblemAsync(await _client.GetAsync("/api/items/5"), HttpStatusCode.NotFound);
        Assert.Equal("Toy Story (1995)", (await ItemAsync("1")).GetProperty("displayName").GetString());
        Assert.Equal(14, (await _client.GetFromJsonAsync<JsonElement>("/api/items?pageSize=100")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task ImportItems_RefusesAnUnknownHeaderOption() =>
        await ProblemAssert.IsProblemAsync(await ImportAsync(Movies, "?header=maybe"), HttpStatusCode.BadRequest, "header");

    [Fact]
    public async Task ImportItems_NeedsTheWriteRole()
    {
        using var app = new RecommenderApp(settings: ApiKeyTests.Keys(new() { ["Training:TrainOnStart"] = "false" }));
        var client = app.CreateClient();
        HttpRequestMessage Import(string? key)
        {
            var request = ApiKeyTests.Request(HttpMethod.Post, "/api/items/import", key);
            request.Content = Csv(Movies);
            return request;
        }

        await ProblemAssert.IsProblemAsync(await client.SendAsync(Import(null)), HttpStatusCode.Unauthorized, "'write' role");
        await ProblemAssert.IsProblemAsync(await client.SendAsync(Import(ApiKeyTests.ReadKey)), HttpStatusCode.Forbidden, "'write' role");
        await ProblemAssert.IsProblemAsync(await client.GetAsync("/api/items/1"), HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Import(ApiKeyTests.WriteKey))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/items/1")).StatusCode);
    }

    [Theory]
    [InlineData("/api/items/import")]
    [InlineData("/api/ratings/import")]
    public async Task OpenApi_DescribesTheImportBody_AsBinaryCsv(string path)
    {
        var document = await _client.GetFromJsonAsync<JsonElement>("/swagger/v1/swagger.json");
        var body = document.GetProperty("paths").GetProperty(path).GetProperty("post").GetProperty("requestBody");
        var schema = body.GetProperty("content").GetProperty("text/csv").GetProperty("schema");

        Assert.Equal("string", schema.GetProperty("type").GetString());
        Assert.Equal("binary", schema.GetProperty("format").GetString());
    }
}
