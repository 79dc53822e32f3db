using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http.Features;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Recommender.Api.Options;
using Recommender.Api.Security;

namespace Recommender.Api.Telemetry;

/// <summary>What the service reports, and where.</summary>
public sealed class TelemetryOptions
{
    public const string SectionName = "Telemetry";

    /// <summary>Serve the Prometheus scrape endpoint at <see cref="MetricsPath"/> (admin key when keys are configured).</summary>
    public bool Prometheus { get; set; } = true;

    public string MetricsPath { get; set; } = "/metrics";

    /// <summary>Record traces (requests, outgoing calls, training runs). Off unless a collector takes them.</summary>
    public bool Traces { get; set; }

    /// <summary>An OTLP collector (for example http://localhost:4317) to export metrics and traces to; none by default.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>
    /// The share of traces recorded, in (0, 1]: a request or training run that starts a trace is recorded with this
    /// probability (decided by its trace id), and one that continues a caller's trace follows the caller's decision.
    /// </summary>
    public double TraceSampleRatio { get; set; } = 1;

    /// <summary>Traces are recorded when <see cref="Traces"/> is on or an OTLP collector takes them.</summary>
    public bool RecordsTraces => Traces || !string.IsNullOrWhiteSpace(OtlpEndpoint);

    /// <summary>
    /// The section as configured, for what is decided while services are registered and the pipeline is built (start-up
    /// validates the bound options separately).
    /// </summary>
    public static TelemetryOptions Read(IConfiguration configuration) =>
        configuration.GetSection(SectionName).Get<TelemetryOptions>() ?? new TelemetryOptions();
}

internal static class TelemetryRegistration
{
    /// <summary>ASP.NET Core's own activity source: its request activity, with OpenTelemetry's HTTP tags (see <see cref="NativeRequestTags"/>).</summary>
    private const string AspNetCoreSource = "Microsoft.AspNetCore";

    /// <summary>
    /// ASP.NET Core 10 adds OpenTelemetry's HTTP server-span tags (method, route, status, url.path, server.address) to its
    /// own request activity when this switch is off (ASP.NET Core 11 makes that the default). Traces then need no
    /// instrumentation library listening to every request's diagnostic events, which cost about a tenth of the serving
    /// path's CPU in a profile. Set before the host is built, so it holds whenever the host reads it.
    /// </summary>
    public static void NativeRequestTags() => AppContext.SetSwitch("Microsoft.AspNetCore.Hosting.SuppressActivityOpenTelemetryData", false);

    /// <summary>
    /// OpenTelemetry: the service's meter and activity source, ASP.NET Core's and Kestrel's meters, the runtime's, the
    /// Prometheus exporter, and OTLP when an endpoint is configured. Traces are recorded when Telemetry:Traces is on or an
    /// OTLP endpoint is set.
    /// </summary>
    public static IServiceCollection AddRecommenderTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var options = TelemetryOptions.Read(configuration);
        services.AddStartupOptions<TelemetryOptions>(TelemetryOptions.SectionName)
            .Validate(o => o.TraceSampleRatio is > 0 and <= 1, $"{TelemetryOptions.SectionName}:{nameof(TelemetryOptions.TraceSampleRatio)} must be above 0 and at most 1.")
            .ValidateOnStart();
        services.AddSingleton<ServiceGauges>();
        services.AddHostedService(provider => provider.GetRequiredService<ServiceGauges>());
        var otlp = string.IsNullOrWhiteSpace(options.OtlpEndpoint) ? null : new Uri(options.OtlpEndpoint);
        var telemetry = services.AddOpenTelemetry().ConfigureResource(resource => resource.AddService("recommender-api"));
        telemetry.WithMetrics(metrics =>
        {
            metrics.AddMeter(RecommenderTelemetry.Name, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
                .AddRuntimeInstrumentation();
            if (options.Prometheus)
            {
                metrics.AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0);
            }

            if (otlp is not null)
            {
                metrics.AddOtlpExporter(exporter => exporter.Endpoint = otlp);
            }
        });
        if (options.RecordsTraces)
        {
            telemetry.WithTracing(tracing =>
            {
                tracing.AddSource(RecommenderTelemetry.Name, AspNetCoreSource).AddHttpClientInstrumentation();
                if (options.TraceSampleRatio is > 0 and < 1)
                {
                    tracing.SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(options.TraceSampleRatio)));
                }

                if (otlp is not null)
                {
                    tracing.AddOtlpExporter(exporter => exporter.Endpoint = otlp);
                }
            });
        }

        return services;
    }

    /// <summary>
    /// With traces on, completes ASP.NET Core's request span with what ASP.NET Core 10 adds only at its start: the route
    /// (<c>http.route</c>, and the span's name "METHOD route"), <c>http.response.status_code</c>, and <c>error.type</c> for
    /// an exception or a 5xx — the tags OpenTelemetry's ASP.NET Core instrumentation used to add by listening to every
    /// request's diagnostic events. Health probes are left out of traces: their span is marked not recorded, so no
    /// exporter sees it. Register it first, so it sees the final status of every request.
    /// </summary>
    public static WebApplication UseRecommenderTracing(this WebApplication app)
    {
        var options = TelemetryOptions.Read(app.Configuration);
        if (options.RecordsTraces)
        {
            app.Use(TraceRequestAsync);
        }

        return app;
    }

    /// <summary>Each route's span name per method, formatted once.</summary>
    private static readonly ConcurrentDictionary<(string Method, string Route), string> SpanNames = new();

    private static async Task TraceRequestAsync(HttpContext context, RequestDelegate next)
    {
        if (context.Features.Get<IHttpActivityFeature>()?.Activity is not { Source.Name: AspNetCoreSource, IsAllDataRequested: true } span)
        {
            await next(context);
            return;
        }

        if (context.Request.Path.StartsWithSegments("/health"))
        {
            span.IsAllDataRequested = false;
            span.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
            await next(context);
            return;
        }

        try
        {
            await next(context);
        }
        catch (Exception e)
        {
            span.SetTag("error.type", e.GetType().FullName);
            throw;
        }
        finally
        {
            var status = context.Response.StatusCode;
            span.SetTag("http.response.status_code", status);
            if (status >= 500 && span.GetTagItem("error.type") is null)
            {
                span.SetTag("error.type", status.ToString(CultureInfo.InvariantCulture));
            }

            if (context.GetEndpoint() is RouteEndpoint { RoutePattern.RawText: { } route })
            {
                span.SetTag("http.route", route);
                span.DisplayName = SpanNames.GetOrAdd((context.Request.Method, route), key => $"{key.Method} {key.Route}");
            }
        }
    }

    /// <summary>The scrape endpoint: for admin keys when keys are configured (open otherwise, like the rest of the API).</summary>
    public static WebApplication MapRecommenderTelemetry(this WebApplication app)
    {
        var options = TelemetryOptions.Read(app.Configuration);
        if (options.Prometheus)
        {
            app.MapPrometheusScrapingEndpoint(options.MetricsPath)
                .RequireAuthorization(ApiKeyPolicies.Admin)
                .ExcludeFromDescription();
        }

        return app;
    }
}
