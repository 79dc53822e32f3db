using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
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
}

internal static class TelemetryRegistration
{
    /// <summary>
    /// OpenTelemetry: the service's meter and activity source, ASP.NET Core's and Kestrel's meters, the runtime's, the
    /// Prometheus exporter, and OTLP when an endpoint is configured. Traces are recorded when Telemetry:Traces is on or an
    /// OTLP endpoint is set.
    /// </summary>
    public static IServiceCollection AddRecommenderTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(TelemetryOptions.SectionName).Get<TelemetryOptions>() ?? new TelemetryOptions();
        services.Configure<TelemetryOptions>(configuration.GetSection(TelemetryOptions.SectionName));
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
        if (options.Traces || otlp is not null)
        {
            telemetry.WithTracing(tracing =>
            {
                tracing.AddSource(RecommenderTelemetry.Name)
                    .AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = context => !context.Request.Path.StartsWithSegments("/health"))
                    .AddHttpClientInstrumentation();
                if (otlp is not null)
                {
                    tracing.AddOtlpExporter(exporter => exporter.Endpoint = otlp);
                }
            });
        }

        return services;
    }

    /// <summary>The scrape endpoint: for admin keys when keys are configured (open otherwise, like the rest of the API).</summary>
    public static WebApplication MapRecommenderTelemetry(this WebApplication app)
    {
        var options = app.Configuration.GetSection(TelemetryOptions.SectionName).Get<TelemetryOptions>() ?? new TelemetryOptions();
        if (options.Prometheus)
        {
            app.MapPrometheusScrapingEndpoint(options.MetricsPath)
                .RequireAuthorization(ApiKeyPolicies.Admin)
                .ExcludeFromDescription();
        }

        return app;
    }
}
