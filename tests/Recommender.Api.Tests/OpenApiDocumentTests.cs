using System.Net.Http.Json;
using System.Text.Json;

namespace Recommender.Api.Tests;

/// <summary>What the OpenAPI document promises, read from the served document (the contract test checks the responses).</summary>
public sealed class OpenApiDocumentTests
{
    private static readonly string[] RequestSchemas = ["RatingRequest", "RatingBatchRequest", "ItemUpdateRequest", "ProblemDetails", "HttpValidationProblemDetails"];

    private static async Task<JsonElement> DocumentAsync(RecommenderApp app) =>
        await app.CreateClient().GetFromJsonAsync<JsonElement>("/swagger/v1/swagger.json");

    [Fact]
    public async Task Document_NamesTheServerItWasServedFrom()
    {
        using var app = new RecommenderApp(demo: false);
        var document = await DocumentAsync(app);
        Assert.Equal("http://localhost", document.GetProperty("servers")[0].GetProperty("url").GetString());
    }

    [Fact]
    public async Task EveryResponseProperty_IsRequired_AndNullableExactlyWhereTheServiceSendsNull()
    {
        using var app = new RecommenderApp(demo: false);
        var schemas = (await DocumentAsync(app)).GetProperty("components").GetProperty("schemas");
        foreach (var schema in schemas.EnumerateObject().Where(s => !RequestSchemas.Contains(s.Name)))
        {
            var properties = schema.Value.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order();
            var required = schema.Value.GetProperty("required").EnumerateArray().Select(r => r.GetString()!).Order();
            Assert.True(properties.SequenceEqual(required), $"{schema.Name}: every property is always sent, so every property is required");
        }

        var model = schemas.GetProperty("ModelResponse").GetProperty("properties");
        foreach (var nullable in new[] { "version", "algorithm", "parameters", "counts", "metrics", "ranking", "pinnedVersion" })
        {
            Assert.True(model.GetProperty(nullable).TryGetProperty("nullable", out var flag) && flag.GetBoolean(), $"ModelResponse.{nullable} is null before a first model");
        }

        // OpenAPI 3.0 ignores nullable beside a $ref: a nullable reference is an allOf.
        Assert.Equal("#/components/schemas/ModelCounts", model.GetProperty("counts").GetProperty("allOf")[0].GetProperty("$ref").GetString());
        Assert.False(model.GetProperty("training").TryGetProperty("nullable", out _));
        Assert.False(model.GetProperty("history").TryGetProperty("nullable", out _));
        Assert.True(schemas.GetProperty("UserResponse").GetProperty("properties").GetProperty("metadata").GetProperty("nullable").GetBoolean());
        Assert.True(schemas.GetProperty("ModelVersionResponse").GetProperty("properties").GetProperty("metrics").GetProperty("nullable").GetBoolean());
    }

    [Fact]
    public async Task Requests_DeclareTheirRequiredFields_AndTheItemNameIsDisplayNameBothWays()
    {
        using var app = new RecommenderApp(demo: false);
        var schemas = (await DocumentAsync(app)).GetProperty("components").GetProperty("schemas");
        Assert.Equal(["itemId", "rating", "userId"], schemas.GetProperty("RatingRequest").GetProperty("required").EnumerateArray().Select(r => r.GetString()).Order());
        Assert.Equal(["ratings"], schemas.GetProperty("RatingBatchRequest").GetProperty("required").EnumerateArray().Select(r => r.GetString()));
        Assert.False(schemas.GetProperty("RatingRequest").GetProperty("properties").GetProperty("userId").TryGetProperty("nullable", out _));
        Assert.True(schemas.GetProperty("RatingRequest").GetProperty("properties").GetProperty("timestamp").GetProperty("nullable").GetBoolean());
        Assert.True(schemas.GetProperty("ItemUpdateRequest").GetProperty("properties").TryGetProperty("displayName", out _));
        Assert.True(schemas.GetProperty("ItemResponse").GetProperty("properties").TryGetProperty("displayName", out _));
        Assert.False(schemas.GetProperty("ItemUpdateRequest").GetProperty("properties").TryGetProperty("name", out _));
    }

    [Fact]
    public async Task ClosedSetsOfValues_AreEnums_InParametersAndResponses()
    {
        using var app = new RecommenderApp(demo: false);
        var document = await DocumentAsync(app);
        var schemas = document.GetProperty("components").GetProperty("schemas");
        Assert.Equal(["ranking", "rating", "model", "neighbors"], ParameterEnum(document, "/api/users/{userId}/recommendations", "strategy"));
        Assert.Equal(["predicted", "factors"], ParameterEnum(document, "/api/users/{userId}/similar-users", "basis"));
        Assert.Equal(["auto", "csv", "tab", "dat"], ParameterEnum(document, "/api/ratings/import", "format", "post"));
        Assert.Equal(["ranking", "rating", "model", "neighbors"], PropertyEnum(schemas, "RecommendationsResponse", "strategy"));
        Assert.Equal(["popularity", "unknown-user"], PropertyEnum(schemas, "RecommendationsResponse", "fallback"));
        Assert.Contains("implicit-als", PropertyEnum(schemas, "RecommendationsResponse", "rankedBy"));
        Assert.Equal(["ease", "implicit-als", "factors"], PropertyEnum(schemas, "SimilarItemsResponse", "basis"));
        Assert.Equal(["predicted", "factors"], PropertyEnum(schemas, "SimilarUsersResponse", "basis"));
        Assert.Equal(["active", "kept", "pruned", "rejected", "failed"], PropertyEnum(schemas, "ModelVersionResponse", "state"));
        Assert.Equal(["unknown-user", "unknown-item", "unknown-user-and-item"], PropertyEnum(schemas, "PredictionResponse", "fallback"));
    }

    [Fact]
    public async Task EveryErrorResponse_IsAProblem_AndEachOperationDocumentsTheStatusesItsMiddlewareAnswers()
    {
        using var app = new RecommenderApp(demo: false);
        var paths = (await DocumentAsync(app)).GetProperty("paths");
        foreach (var path in paths.EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var name = $"{operation.Name.ToUpperInvariant()} {path.Name}";
                var responses = operation.Value.GetProperty("responses");
                foreach (var response in responses.EnumerateObject().Where(r => r.Name[0] is '4' or '5'))
                {
                    var content = response.Value.GetProperty("content").EnumerateObject().ToList();
                    Assert.True(content is [{ Name: "application/problem+json" }], $"{name} {response.Name} is not a ProblemDetails");
                    var schema = content[0].Value.GetProperty("schema").GetProperty("$ref").GetString();
                    Assert.Equal(response.Name == "400" ? "#/components/schemas/HttpValidationProblemDetails" : "#/components/schemas/ProblemDetails", schema);
                }

                var statuses = responses.EnumerateObject().Select(r => r.Name).ToHashSet();
                Assert.True(statuses.IsSupersetOf(["401", "403", "500"]), $"{name}: {string.Join(", ", statuses)}");
                Assert.DoesNotContain("429", statuses); // Rate limiting is off in this app.
                var takesBody = operation.Value.TryGetProperty("requestBody", out _);
                Assert.True(!takesBody || statuses.IsSupersetOf(["400", "413", "415"]), $"{name} takes a body: {string.Join(", ", statuses)}");
                var import = path.Name.EndsWith("/import", StringComparison.Ordinal);
                Assert.True(import != statuses.Contains("504"), $"{name}: the request timeout applies to every operation but the imports");
            }
        }

        var activate = paths.GetProperty("/api/model/versions/{version}/activate").GetProperty("post").GetProperty("responses");
        Assert.True(activate.TryGetProperty("404", out _) && activate.TryGetProperty("409", out _));
        Assert.True(paths.GetProperty("/api/ratings").GetProperty("post").GetProperty("responses").TryGetProperty("503", out _));
    }

    [Fact]
    public async Task RateLimitedResponses_AreDocumented_WhenRateLimitingIsOn()
    {
        using var app = new RecommenderApp(demo: false, settings: new() { ["RateLimits:Enabled"] = "true" });
        var paths = (await DocumentAsync(app)).GetProperty("paths");
        Assert.All(
            paths.EnumerateObject().SelectMany(p => p.Value.EnumerateObject()),
            operation => Assert.True(operation.Value.GetProperty("responses").TryGetProperty("429", out _)));
    }

    private static IEnumerable<string?> ParameterEnum(JsonElement document, string path, string name, string method = "get") =>
        document.GetProperty("paths").GetProperty(path).GetProperty(method).GetProperty("parameters").EnumerateArray()
            .Single(p => p.GetProperty("name").GetString() == name).GetProperty("schema").GetProperty("enum").EnumerateArray().Select(v => v.GetString());

    private static IEnumerable<string?> PropertyEnum(JsonElement schemas, string schema, string property) =>
        schemas.GetProperty(schema).GetProperty("properties").GetProperty(property).GetProperty("enum").EnumerateArray().Select(v => v.GetString());
}
