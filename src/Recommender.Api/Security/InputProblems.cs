using Microsoft.AspNetCore.WebUtilities;

namespace Recommender.Api.Security;

/// <summary>
/// Fills in what the framework leaves generic: every problem has a type and a title (the framework's defaults skip
/// 413, 429 and 507), and a 415 (body that is not JSON) says which content type was sent and which is expected, so
/// every 4xx names its problem.
/// </summary>
internal static class InputProblems
{
    public static IServiceCollection AddInputProblems(this IServiceCollection services) =>
        services.Configure<ProblemDetailsOptions>(options =>
        {
            var previous = options.CustomizeProblemDetails;
            options.CustomizeProblemDetails = context =>
            {
                previous?.Invoke(context);
                var problem = context.ProblemDetails;
                // The framework's defaults give a type to the common statuses only; every problem has one (RFC 9457).
                problem.Type ??= problem.Status switch
                {
                    StatusCodes.Status413PayloadTooLarge => "https://tools.ietf.org/html/rfc9110#section-15.5.14",
                    StatusCodes.Status429TooManyRequests => "https://tools.ietf.org/html/rfc6585#section-4",
                    StatusCodes.Status507InsufficientStorage => "https://tools.ietf.org/html/rfc4918#section-11.5",
                    _ => "about:blank",
                };
                problem.Title ??= ReasonPhrases.GetReasonPhrase(problem.Status ?? context.HttpContext.Response.StatusCode);
                if (problem.Status == StatusCodes.Status415UnsupportedMediaType && problem.Detail is null)
                {
                    var sent = context.HttpContext.Request.ContentType is { Length: > 0 } type ? $"'{type}'" : "no Content-Type";
                    problem.Title = "The request body must be JSON.";
                    problem.Detail = $"This endpoint reads a JSON body (Content-Type: application/json); the request sent {sent}.";
                }
            };
        });
}
