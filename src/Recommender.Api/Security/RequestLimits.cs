using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Recommender.Api.Options;

namespace Recommender.Api.Security;

/// <summary>Marks an endpoint (a bulk import) whose body may be up to Limits:MaxImportBodyBytes.</summary>
internal sealed class ImportBodyLimitMetadata;

public static class RequestLimitConventions
{
    /// <summary>Lets this endpoint's request body be as large as Limits:MaxImportBodyBytes instead of Limits:MaxRequestBodyBytes.</summary>
    public static TBuilder WithImportBodyLimit<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ImportBodyLimitMetadata());
}

/// <summary>
/// The body size limit (413) and the request timeout (504), both ProblemDetails. Kestrel enforces the size while the
/// body streams in; a declared Content-Length over the limit is refused before any of it is read.
/// </summary>
internal static class RequestLimits
{
    public static IServiceCollection AddRecommenderRequestLimits(this IServiceCollection services)
    {
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<LimitsOptions>>((kestrel, limits) =>
            kestrel.Limits.MaxRequestBodySize = limits.Value.MaxRequestBodyBytes);
        services.AddRequestTimeouts();
        services.AddOptions<RequestTimeoutOptions>().Configure<IOptions<LimitsOptions>>((options, limits) =>
        {
            var timeout = limits.Value.RequestTimeout;
            if (timeout > TimeSpan.Zero)
            {
                options.DefaultPolicy = new RequestTimeoutPolicy
                {
                    Timeout = timeout,
                    TimeoutStatusCode = StatusCodes.Status504GatewayTimeout,
                    WriteTimeoutResponse = context => WriteProblemAsync(
                        context, StatusCodes.Status504GatewayTimeout, "The request timed out.",
                        $"The request took longer than Limits:RequestTimeout ({timeout}) and was cancelled."),
                };
            }
        });
        return services;
    }

    /// <summary>Sets the body limit of the matched endpoint and refuses a declared larger body at once.</summary>
    public static IApplicationBuilder UseRequestBodyLimit(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var limits = context.RequestServices.GetRequiredService<IOptions<LimitsOptions>>().Value;
        var import = context.GetEndpoint()?.Metadata.GetMetadata<ImportBodyLimitMetadata>() is not null;
        var limit = import ? limits.MaxImportBodyBytes : limits.MaxRequestBodyBytes;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = limit;
        }

        if (context.Request.ContentLength > limit)
        {
            await WriteProblemAsync(
                context, StatusCodes.Status413PayloadTooLarge, "The request body is too large.",
                $"The request body has {context.Request.ContentLength} bytes; at most {limit} are accepted ({(import ? "Limits:MaxImportBodyBytes" : "Limits:MaxRequestBodyBytes")}).");
            return;
        }

        await next(context);
    });

    private static async Task WriteProblemAsync(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }
}
