namespace Recommender.Api.Security;

/// <summary>
/// Fills in what the framework leaves generic: a 415 (body that is not JSON) says which content type was sent and which
/// is expected, so every 4xx names its problem.
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
                if (problem.Status == StatusCodes.Status415UnsupportedMediaType && problem.Detail is null)
                {
                    var sent = context.HttpContext.Request.ContentType is { Length: > 0 } type ? $"'{type}'" : "no Content-Type";
                    problem.Title = "The request body must be JSON.";
                    problem.Detail = $"This endpoint reads a JSON body (Content-Type: application/json); the request sent {sent}.";
                }
            };
        });
}
