using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Recommender.Api.Training;
using Serilog.Core;

namespace Recommender.Api.Tests;

/// <summary>Each host logs to its own Serilog pipeline, whatever other hosts the process has built since.</summary>
public sealed class HostLoggingTests
{
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Training:TrainOnStart"] = "false",
        ["Serilog:MinimumLevel:Default"] = "Information",
    };

    [Fact]
    public async Task ALoggerCreatedAfterAnotherHostWasBuilt_StillWritesToItsOwnHost()
    {
        var (first, second) = (new LogCapture(), new LogCapture());
        using var firstApp = new RecommenderApp(settings: Settings, services: s => s.AddSingleton<ILogEventSink>(first));
        var client = firstApp.CreateClient();
        // Built after the first: a logger that fell back on the static Log.Logger would now write to the second's sinks.
        using var secondApp = new RecommenderApp(settings: Settings, services: s => s.AddSingleton<ILogEventSink>(second));
        secondApp.CreateClient();

        firstApp.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Late").LogWarning("Written by the first host");
        Assert.Equal(TrainingOutcome.Published, await firstApp.RetrainAsync(client));

        await first.WaitForAsync(e => e.MessageTemplate.Text == "Written by the first host");
        await first.WaitForAsync(e => e.MessageTemplate.Text.StartsWith("Published version", StringComparison.Ordinal));
        Assert.DoesNotContain(second.Events, e => e.MessageTemplate.Text == "Written by the first host");
        Assert.DoesNotContain(second.Events, e => e.MessageTemplate.Text.StartsWith("Published version", StringComparison.Ordinal));
    }
}
