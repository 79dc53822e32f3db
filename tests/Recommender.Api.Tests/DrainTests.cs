using System.Net;

namespace Recommender.Api.Tests;

/// <summary>Node:DrainDelay: on SIGTERM the service reports not ready and closes connections after each answer, then stops.</summary>
public sealed class DrainTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("recommender-drain-").FullName;
    private readonly TestStore _store;

    public DrainTests() => _store = TestStore.Create(_directory, "drain");

    public void Dispose()
    {
        _store.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Sigterm_DropsReadinessFirst_AndKeepsAnsweringWithConnectionCloseUntilTheDelayEnds()
    {
        var environment = new Dictionary<string, string>(_store.Environment)
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Auth__AllowAnonymous"] = "true",
            ["Model__Directory"] = Path.Combine(_directory, "models"),
            ["Node__DrainDelay"] = "00:00:08",
        };
        using var service = await ServiceProcess.StartAsync(environment);
        await service.WaitForLineAsync(line => line.Contains("Published version 1", StringComparison.Ordinal));
        using var client = service.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
        var answered = await client.GetAsync("/api/users/Hermione/recommendations");
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        Assert.False(answered.Headers.ConnectionClose ?? false);

        service.Terminate();
        await service.WaitForLineAsync(line => line.Contains("Draining for", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/health/ready")).StatusCode);
        var draining = await client.GetAsync("/api/users/Hermione/recommendations");
        Assert.Equal(HttpStatusCode.OK, draining.StatusCode);
        Assert.True(draining.Headers.ConnectionClose);
        Assert.False(service.HasExited);

        await service.WaitForExitAsync();
        Assert.Equal(0, service.ExitCode);
    }
}
