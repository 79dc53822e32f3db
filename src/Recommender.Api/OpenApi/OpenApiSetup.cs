using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.Swagger;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Recommender.Api.OpenApi;

/// <summary>
/// The OpenAPI document: title, description, the XML comments of the contracts (summaries and examples), the filters
/// that make it tell the truth (<see cref="ContractSchemas"/>, <see cref="ProblemResponses"/>), and the server it was
/// served from.
/// </summary>
internal static class OpenApiSetup
{
    public static void Configure(SwaggerGenOptions options)
    {
        options.SwaggerDoc("v1", new OpenApiInfo
        {
            Title = "Recommender.Api",
            Version = "v1",
            Description = "Post ratings; get predicted ratings, similar users and items, and recommendations from one matrix-factorization model. Try GET /api/users/Hermione/recommendations with the demo data.",
        });
        var xml = Path.Combine(AppContext.BaseDirectory, "Recommender.Api.xml");
        if (File.Exists(xml))
        {
            options.IncludeXmlComments(xml, includeControllerXmlComments: true);
        }

        options.SchemaFilter<ContractSchemas>();
        options.ParameterFilter<ContractSchemas>();
        options.OperationFilter<ProblemResponses>();
    }

    /// <summary>The document names the server it was served from, path base included, so a generated client needs no base URL.</summary>
    public static void ConfigureEndpoint(SwaggerOptions options) =>
        options.PreSerializeFilters.Add((document, request) =>
            document.Servers = [new OpenApiServer { Url = $"{request.Scheme}://{request.Host.Value}{request.PathBase.Value}" }]);
}
