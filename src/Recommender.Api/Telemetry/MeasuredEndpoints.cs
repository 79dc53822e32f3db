using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Recommender.Api.Telemetry;

internal static class MeasuredEndpoints
{
    /// <summary>Records how long the handler of each request takes (validation and computation, not the response's transfer).</summary>
    public static RouteHandlerBuilder Measured(
        this RouteHandlerBuilder builder, Histogram<double> histogram, Func<HttpContext, KeyValuePair<string, object?>> tag) =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            // Nothing listens (metrics off): no clock, no tags.
            if (!histogram.Enabled)
            {
                return await next(context);
            }

            var started = Stopwatch.GetTimestamp();
            try
            {
                return await next(context);
            }
            finally
            {
                histogram.RecordSince(started, tag(context.HttpContext));
            }
        });
}
