using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Recommender.Api.Options;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Recommender.Api.OpenApi;

/// <summary>
/// Every operation documents the problems the middleware in front of it can answer — 400 where it takes input, 413 and
/// 415 where it takes a body, 429 while rate limiting is on, 504 where the request timeout applies, 500 — and every
/// error response of the document carries its <c>application/problem+json</c> schema. A new endpoint is covered
/// without a line of its own; what only its handler answers (404, 409, 503) it declares with <c>ProducesProblem</c>.
/// </summary>
internal sealed class ProblemResponses(IOptions<RateLimitOptions> rateLimits, IOptions<LimitsOptions> limits) : IOperationFilter
{
    public const string MediaType = "application/problem+json";

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata;
        var responses = operation.Responses ??= [];
        if (operation.RequestBody is not null || operation.Parameters is { Count: > 0 })
        {
            responses.TryAdd("400", new OpenApiResponse { Description = "The request is invalid: `errors` names each field (or `body`) and its problem." });
        }

        if (operation.RequestBody is not null)
        {
            responses.TryAdd("413", new OpenApiResponse { Description = "The body is over Limits:MaxRequestBodyBytes (Limits:MaxImportBodyBytes for an import)." });
            responses.TryAdd("415", new OpenApiResponse { Description = "The body's Content-Type is not one this operation reads." });
        }

        if (rateLimits.Value.Enabled && !metadata.OfType<DisableRateLimitingAttribute>().Any())
        {
            responses.TryAdd("429", new OpenApiResponse { Description = "Rate limited (RateLimits); retry after the Retry-After header's seconds." });
        }

        if (limits.Value.RequestTimeout > TimeSpan.Zero && !metadata.OfType<DisableRequestTimeoutAttribute>().Any())
        {
            responses.TryAdd("504", new OpenApiResponse { Description = "The request ran past Limits:RequestTimeout and was cancelled." });
        }

        responses.TryAdd("500", new OpenApiResponse { Description = "An unexpected error; the problem never holds the exception's text." });
        foreach (var (status, response) in responses)
        {
            if (status.StartsWith('4') || status.StartsWith('5'))
            {
                Describe(response, context, status == "400");
            }
        }
    }

    /// <summary>Sets <paramref name="response"/>'s content to the ProblemDetails (or validation problem) schema alone.</summary>
    public static void Describe(IOpenApiResponse response, OperationFilterContext context, bool validation = false)
    {
        if (response is not OpenApiResponse concrete)
        {
            return;
        }

        var type = validation ? typeof(HttpValidationProblemDetails) : typeof(ProblemDetails);
        concrete.Content = new Dictionary<string, OpenApiMediaType>
        {
            [MediaType] = new() { Schema = context.SchemaGenerator.GenerateSchema(type, context.SchemaRepository) },
        };
    }
}
