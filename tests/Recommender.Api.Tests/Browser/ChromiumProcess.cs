using System.Collections.Concurrent;
using System.Diagnostics;

namespace Recommender.Api.Tests.Browser;

/// <summary>
/// Headless Chromium with a fresh profile and the DevTools protocol on a free port, read from its stderr
/// ("DevTools listening on ws://…"). Dispose kills the browser and its children by pid and deletes the profile.
/// </summary>
internal sealed class ChromiumProcess : IDisposable
{
    private const string ListeningPrefix = "DevTools listening on ";
    private const int KeptLogLines = 200;
    private readonly Process _process;
    private readonly string _profile;
    private readonly ConcurrentQueue<string> _log = new();

    private ChromiumProcess(Process process, string profile)
    {
        _process = process;
        _profile = profile;
    }

    /// <summary>Debian's package puts it here; CHROMIUM_PATH points elsewhere.</summary>
    public static string ExecutablePath =>
        Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    /// <summary>The browser-level DevTools WebSocket.</summary>
    public Uri Endpoint { get; private set; } = null!;

    /// <summary>The browser's last lines of output, for failure messages.</summary>
    public string Log => string.Join(Environment.NewLine, _log);

    public static async Task<ChromiumProcess> LaunchAsync(TimeSpan timeout)
    {
        var profile = Directory.CreateTempSubdirectory("recommender-chromium-").FullName;
        var start = new ProcessStartInfo(ExecutablePath)
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        foreach (var argument in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--disable-extensions", "--mute-audio",
            "--window-size=1280,900", $"--user-data-dir={profile}", "--remote-debugging-port=0", "about:blank",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {ExecutablePath}.");
        var chromium = new ChromiumProcess(process, profile);
        var endpoint = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                endpoint.TrySetException(new InvalidOperationException($"Chromium closed its output before listening:{Environment.NewLine}{chromium.Log}"));
                return;
            }

            chromium.Remember(e.Data);
            if (e.Data.StartsWith(ListeningPrefix, StringComparison.Ordinal))
            {
                endpoint.TrySetResult(new Uri(e.Data[ListeningPrefix.Length..].Trim()));
            }
        };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                chromium.Remember(e.Data);
            }
        };

        // Both pipes are drained for the browser's whole life: a full pipe would block it.
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            chromium.Endpoint = await endpoint.Task.WaitAsync(timeout);
            return chromium;
        }
        catch (TimeoutException)
        {
            var log = chromium.Log;
            chromium.Dispose();
            throw new TimeoutException($"Chromium did not report a DevTools endpoint within {timeout.TotalSeconds} s:{Environment.NewLine}{log}");
        }
        catch
        {
            chromium.Dispose();
            throw;
        }
    }

    private void Remember(string line)
    {
        _log.Enqueue(line);
        while (_log.Count > KeptLogLines && _log.TryDequeue(out _))
        {
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }
        finally
        {
            _process.Dispose();
        }

        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
