using System.Diagnostics;

namespace Recommender.Api.Tests;

/// <summary>The CLI as its own process: <c>dotnet recommender.dll</c> from the test's output folder (the project reference copies it there).</summary>
internal static class CliProcess
{
    public static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "recommender.dll");
        Assert.True(File.Exists(path), $"{path} is missing: the test project must reference Recommender.Cli.");
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        info.ArgumentList.Add(path);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        return (process.ExitCode, await output, await error);
    }
}
