using Microsoft.Extensions.Options;
using Recommender.Api.Options;

namespace Recommender.Api.Startup;

/// <summary>
/// Draining before a stop (<see cref="NodeOptions.DrainDelay"/>): on SIGTERM the node reports itself not ready and
/// asks every client to close its connection after the response (<c>Connection: close</c>), while it still answers,
/// for that long; only then does the server stop taking connections. A proxy in front (nginx) stops reusing its
/// kept-alive connections to this node and sends new requests elsewhere, so a rolling restart fails no request.
/// </summary>
public sealed class Drain(IOptions<NodeOptions> options, ILogger<Drain> logger) : IHostedLifecycleService
{
    private volatile bool _draining;

    /// <summary>True once the node is stopping.</summary>
    public bool Draining => _draining;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _draining = true;
        var delay = options.Value.DrainDelay;
        if (delay > TimeSpan.Zero)
        {
            logger.LogInformation("Draining for {Seconds:F1} s before stopping: not ready, connections close after each response", delay.TotalSeconds);
            try
            {
                await Task.Delay(delay, cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

internal static class DrainMiddleware
{
    /// <summary>While draining, every response asks the client to close the connection.</summary>
    public static IApplicationBuilder UseDrain(this IApplicationBuilder app)
    {
        var drain = app.ApplicationServices.GetRequiredService<Drain>();
        return app.Use((context, next) =>
        {
            if (drain.Draining)
            {
                context.Response.Headers.Connection = "close";
            }

            return next(context);
        });
    }
}
