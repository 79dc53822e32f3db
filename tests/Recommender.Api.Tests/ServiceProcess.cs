using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Recommender.Api.Tests;

/// <summary>
/// The real service as a separate process: <c>dotnet Recommender.Api.dll</c> from the test's output folder, which the
/// project reference and the test project lay out like a published app (appsettings.json, wwwroot), on a loopback port
/// Kestrel picks. Started from another working directory, as a deployed service often is. Always killed on dispose.
/// </summary>
internal sealed partial class ServiceProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly ConcurrentQueue<string> _errors = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<(Func<string, bool> Match, TaskCompletionSource Seen)> _waiters = [];
    private Task<Contract.OpenApiContract>? _contract;

    private ServiceProcess(IReadOnlyDictionary<string, string> environment, string? workingDirectory)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(AppPath);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add("http://127.0.0.1:0");
        // Only what the test says configures the child: drop inherited ASP.NET Core and .NET environment settings.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || k == "DOTNET_ENVIRONMENT").ToList())
        {
            info.Environment.Remove(key);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        _process = new Process { StartInfo = info, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => Receive(e.Data);
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                _errors.Enqueue(e.Data);
            }

            Receive(e.Data);
        };
        _process.Exited += (_, _) => _listening.TrySetException(new InvalidOperationException($"The service exited with code {_process.ExitCode}:\n{Output}"));
    }

    /// <summary>The lines the service printed on standard error (they are in <see cref="Output"/> too).</summary>
    public string Errors => string.Join("\n", _errors);

    public static string AppPath => Path.Combine(AppContext.BaseDirectory, "Recommender.Api.dll");

    public Uri BaseAddress => _listening.Task.Result;

    public string Output => string.Join("\n", _output);

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Starts the service and waits until Kestrel says where it listens (after the store is migrated and the snapshot loaded).</summary>
    public static async Task<ServiceProcess> StartAsync(IReadOnlyDictionary<string, string> environment, string? workingDirectory = null)
    {
        Assert.True(File.Exists(AppPath), $"{AppPath} is missing: the test project must reference Recommender.Api.");
        var service = new ServiceProcess(environment, workingDirectory);
        try
        {
            service._process.Start();
            service._process.BeginOutputReadLine();
            service._process.BeginErrorReadLine();
            await service._listening.Task.WaitAsync(TimeSpan.FromSeconds(90));
            return service;
        }
        catch
        {
            service.Dispose();
            throw;
        }
    }

    /// <summary>Starts a service that is expected to stop by itself; returns once it has exited.</summary>
    public static async Task<ServiceProcess> RunToExitAsync(IReadOnlyDictionary<string, string> environment)
    {
        var service = new ServiceProcess(environment, workingDirectory: null);
        service._process.Start();
        service._process.BeginOutputReadLine();
        service._process.BeginErrorReadLine();
        await service._process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));
        return service;
    }

    /// <summary>Completes when the service prints a line that matches (at once if it already has).</summary>
    public Task WaitForLineAsync(Func<string, bool> match)
    {
        lock (_waiters)
        {
            if (_output.Any(match))
            {
                return Task.CompletedTask;
            }

            var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, seen));
            return seen.Task.WaitAsync(TimeSpan.FromSeconds(90));
        }
    }

    /// <summary>A client whose responses are checked against the service's OpenAPI document (<see cref="Contract.ContractCheckingHandler"/>).</summary>
    public HttpClient CreateClient()
    {
        _contract ??= FetchContractAsync();
        var inner = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        var contract = _contract;
        return new HttpClient(new Contract.ContractCheckingHandler(() => contract) { InnerHandler = new Contract.ForwardingHandler(inner) })
        {
            BaseAddress = BaseAddress,
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    private async Task<Contract.OpenApiContract> FetchContractAsync()
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        return new Contract.OpenApiContract(await client.GetStringAsync("/swagger/v1/swagger.json"));
    }

    /// <summary>SIGTERM: the host stops gracefully, as under a process manager's or an orchestrator's stop.</summary>
    public void Terminate()
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            kill.WaitForExit();
            Assert.Equal(0, kill.ExitCode);
        }
    }

    /// <summary>Waits for the process to exit by itself.</summary>
    public Task WaitForExitAsync() => _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));

    /// <summary>SIGKILL: no shutdown code runs, exactly like a crash or an OOM kill.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.WaitForExit();
    }

    public void Dispose()
    {
        try
        {
            Kill();
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }

        _process.Dispose();
    }

    private void Receive(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_waiters)
        {
            _output.Enqueue(line);
            foreach (var waiter in _waiters.Where(w => w.Match(line)).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Seen.TrySetResult();
            }
        }

        if (ListeningLine().Match(line) is { Success: true } match)
        {
            _listening.TrySetResult(new Uri(match.Groups[1].Value));
        }
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();
}
