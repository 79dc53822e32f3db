using System.Diagnostics;
using System.Text.Json;
using Recommender.Core.Evaluation;
using Recommender.Core.Training;

namespace Recommender.Cli.Commands;

/// <summary>
/// <c>bench</c>: the fast trainer and the notebook-faithful scalar trainer on the same data, in one process, with
/// the same factors, epochs and seed, so their ratio is measured side by side.
/// </summary>
internal static class BenchCommand
{
    public static int Run(CommandLine options, TextWriter output, TextWriter error)
    {
        var trainPath = options.RequiredString("--train");
        var testPath = options.RequiredString("--test");
        var factors = options.Int("--factors") ?? 100;
        var epochs = options.Int("--epochs") ?? 20;
        var threads = options.Int("--threads") ?? 1;
        var seed = options.Int("--seed") ?? 42;
        var json = options.Flag("--json");
        options.EnsureAllRead();
        if (threads != 1)
        {
            throw new UsageException("--threads: only 1 is supported until the parallel trainer lands.");
        }

        var (train, test) = EvaluateCommand.LoadPair(trainPath, testPath);
        var fast = TrainingParameters.For(Algorithm.BiasedSgd) with { Factors = factors, Epochs = epochs, Seed = seed, EarlyStoppingPatience = 0 };
        var scalar = TrainingParameters.For(Algorithm.Notebook) with { Factors = factors, Epochs = epochs, Seed = seed, LearningRate = 0.005f };
        error.WriteLine($"bench: {train.Count:N0} training ratings, k = {factors}, {epochs} epochs, {threads} thread(s)");

        var fastRun = Measure(fast, train, test);
        var scalarRun = Measure(scalar, train, test);
        var speedup = fastRun.UpdatesPerSecond / scalarRun.UpdatesPerSecond;
        foreach (var (label, run) in new[] { ("fast (biased-sgd)", fastRun), ("scalar (notebook)", scalarRun) })
        {
            output.WriteLine($"{label,-18} {run.UpdatesPerSecond / 1e6,8:F2} M updates/s  rmse {Output.F(run.Rmse)}  fit {Output.F(run.FitSeconds, "F3")} s  peak {run.PeakWorkingSetMb:F0} MB");
        }

        output.WriteLine($"speed-up          {Output.F(speedup, "F2")}x");
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(new
            {
                updatesPerSecond = fastRun.UpdatesPerSecond,
                rmse = fastRun.Rmse,
                fitSeconds = fastRun.FitSeconds,
                peakWorkingSetMb = fastRun.PeakWorkingSetMb,
                threads,
                factors,
                epochs,
                scalarUpdatesPerSecond = scalarRun.UpdatesPerSecond,
                scalarRmse = scalarRun.Rmse,
                speedup,
            }));
        }

        return 0;
    }

    private sealed record Measurement(double UpdatesPerSecond, double Rmse, double FitSeconds, double PeakWorkingSetMb);

    private static Measurement Measure(TrainingParameters parameters, Core.Data.RatingDataset train, Core.Data.RatingDataset test)
    {
        GC.Collect();
        var result = Trainers.Create(parameters).Fit(train);
        var (rmse, _) = Evaluator.Accuracy(result.Model, test);
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return new Measurement(result.UpdatesPerSecond, rmse, result.Elapsed.TotalSeconds, process.PeakWorkingSet64 / 1048576.0);
    }
}
