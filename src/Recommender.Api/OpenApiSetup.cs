using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Recommender.Api;

/// <summary>The OpenAPI document: title, description and the XML comments of the contracts (summaries and examples).</summary>
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
    }
}
