using Microsoft.Extensions.Diagnostics.HealthChecks;
using Recommender.Api.Training;

namespace Recommender.Api;

/// <summary>Ready once a model can answer queries, and until the node starts to stop.</summary>
internal sealed class ModelReadyHealthCheck(ModelStore store, Startup.Drain drain) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(drain.Draining
            ? HealthCheckResult.Unhealthy("The node is stopping (draining).")
            : store.Current is { } serving
            ? HealthCheckResult.Healthy($"Serving model version {serving.Model.Version}.")
            : HealthCheckResult.Unhealthy("No model has been trained yet."));
}

/// <summary><c>/health/live</c> (the process answers) and <c>/health/ready</c> (a model is serving and the store takes writes).</summary>
internal static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new Microsoft.AspNetCore.Diagnostics.HealthChecks.HealthCheckOptions { Predicate = _ => false })
            .WithTags("Health").AllowAnonymous().DisableRateLimiting();
        app.MapHealthChecks("/health/ready", new Microsoft.AspNetCore.Diagnostics.HealthChecks.HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") })
            .WithTags("Health").AllowAnonymous().DisableRateLimiting();
        return app;
    }
}
