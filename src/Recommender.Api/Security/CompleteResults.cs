using Microsoft.AspNetCore.Http.Timeouts;

namespace Recommender.Api.Security;

/// <summary>
/// A handler's result is computed whole before any of it is written, and once it is, Limits:RequestTimeout no longer
/// applies: a request that runs out of time while it computes answers 504 ProblemDetails (nothing was sent), and one
/// that finishes in time is sent whole — never a 200 whose body stops mid-way.
/// </summary>
/// <remarks>
/// Without this, the timeout's cancellation reached the JSON writer while it wrote, and the framework's
/// <c>WriteAsJsonAsync</c> treats a cancelled request token as a client that went away and returns quietly: the response
/// ended as if complete. Every handler returns a finished value (no streamed results), so disabling the timeout between
/// the handler and the writing is all it takes, and nothing is buffered.
/// </remarks>
internal static class CompleteResults
{
    /// <summary>Adds the filter to every endpoint of <paramref name="builder"/>.</summary>
    public static TBuilder CompletedBeforeWriting<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(static async (context, next) =>
        {
            var result = await next(context);
            if (context.HttpContext.Features.Get<IHttpRequestTimeoutFeature>() is { } timeout)
            {
                timeout.DisableTimeout();
                // Out of time already: the timeout middleware answers 504, since nothing has been written yet.
                timeout.RequestTimeoutToken.ThrowIfCancellationRequested();
            }

            return result;
        });
}
