using Microsoft.AspNetCore.Authorization;
using Microsoft.OpenApi;
using Recommender.Api.OpenApi;
using Recommender.Api.Options;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Recommender.Api.Security;

/// <summary>
/// The OpenAPI side of the API keys: an <c>apiKey</c> scheme in the <c>X-API-Key</c> header, so Swagger UI's
/// Authorize button sends it, and each operation's 401 and 403 answers with the role it needs.
/// </summary>
internal sealed class ApiKeyOpenApi : IOperationFilter
{
    public const string SchemeId = "ApiKey";

    public static void Configure(SwaggerGenOptions options)
    {
        options.AddSecurityDefinition(SchemeId, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = ApiKeyAuthenticationHandler.HeaderName,
            Description = "An API key from Auth:Keys. Writes need the write role, retrain and activate the admin role; reads need the read role only when Auth:RequireKeyForReads is set.",
        });
        options.AddSecurityRequirement(document => new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SchemeId, document)] = [] });
        options.OperationFilter<ApiKeyOpenApi>();
    }

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata;
        var policies = metadata.OfType<IAuthorizeData>().Select(a => a.Policy).ToList();
        if (policies.Count == 0)
        {
            return;
        }

        var safe = context.ApiDescription.HttpMethod is "GET" or "HEAD";
        var role = policies.Contains(ApiKeyPolicies.Admin) ? ApiKeyRole.Admin
            : policies.Contains(ApiKeyPolicies.Write) || !safe ? ApiKeyRole.Write
            : ApiKeyRole.Read;
        var name = ApiKeyRoles.Name(role);
        var note = role == ApiKeyRole.Read ? " (only when Auth:RequireKeyForReads is set)" : "";
        operation.Description = $"{operation.Description}\n\nNeeds an API key with the `{name}` role{note}.".TrimStart();
        operation.Responses ??= [];
        operation.Responses.TryAdd("401", new OpenApiResponse { Description = $"No known API key; this needs the {name} role{note}." });
        operation.Responses.TryAdd("403", new OpenApiResponse { Description = $"The API key lacks the {name} role." });
        ProblemResponses.Describe(operation.Responses["401"], context);
        ProblemResponses.Describe(operation.Responses["403"], context);
    }
}
