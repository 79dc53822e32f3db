using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Recommender.Api.Contracts;
using Recommender.Api.Tests.Contract;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Recommender.Api.Tests;

/// <summary>
/// The contract check that every client of the suite carries (<see cref="ContractCheckingHandler"/>) fails a request
/// whose response the document does not allow: here the document is broken on purpose and the service is not.
/// </summary>
public sealed class ContractTests
{
    [Fact]
    public async Task ContractCheck_FailsTheRequest_WhenAPropertySentAsNullIsDeclaredNonNullable()
    {
        using var app = new RecommenderApp(
            demo: false,
            settings: new() { ["Training:TrainOnStart"] = "false" },
            services: s => s.ConfigureSwaggerGen(o => o.SchemaFilter<CountsDeclaredNonNullable>()));
        var client = app.CreateClient();

        var violation = await Assert.ThrowsAsync<ContractViolationException>(() => client.GetAsync("/api/model"));

        Assert.Contains("GET /api/model answered 200", violation.Message, StringComparison.Ordinal);
        Assert.Contains("/counts", violation.Message, StringComparison.Ordinal);
        Assert.Contains("null", violation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ContractCheck_FailsTheRequest_WhenTheStatusIsUndocumented()
    {
        using var app = new RecommenderApp(demo: false, services: s => s.ConfigureSwaggerGen(o => o.OperationFilter<No404ForGetUser>()));
        var client = app.CreateClient();

        var violation = await Assert.ThrowsAsync<ContractViolationException>(() => client.GetAsync("/api/users/nobody"));

        Assert.Contains("GET /api/users/{userId} answered 404", violation.Message, StringComparison.Ordinal);
        Assert.Contains("status 404 is not documented", violation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ContractCheck_PassesWhatTheDocumentAllows_AndLeavesRoutesItDoesNotDescribeAlone()
    {
        using var app = new RecommenderApp(demo: false, settings: new() { ["Training:TrainOnStart"] = "false" });
        var client = app.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/model")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/users/nobody")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/no/such/route")).StatusCode);
        var contract = await app.ContractAsync();
        Assert.Equal("GET /api/items/{itemId}", contract.FindOperation("GET", "/api/items/import"));
        Assert.Equal("POST /api/items/import", contract.FindOperation("POST", "/api/items/import"));
        Assert.Null(contract.FindOperation("GET", "/health/ready"));
    }

    /// <summary>Declares ModelResponse.counts a plain non-nullable reference, though the service sends null before a first model.</summary>
    private sealed class CountsDeclaredNonNullable : ISchemaFilter
    {
        public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
        {
            if (context.Type == typeof(ModelResponse) && schema is OpenApiSchema { Properties: { } properties }
                && properties["counts"] is OpenApiSchema { AllOf: [var reference] })
            {
                properties["counts"] = reference;
            }
        }
    }

    /// <summary>Drops the 404 that GET /api/users/{userId} answers for an unknown user.</summary>
    internal sealed class No404ForGetUser : IOperationFilter
    {
        public void Apply(OpenApiOperation operation, OperationFilterContext context)
        {
            if (operation.OperationId == "GetUser")
            {
                operation.Responses?.Remove("404");
            }
        }
    }
}
