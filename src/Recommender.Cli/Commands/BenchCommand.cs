using System.Diagnostics;
using System.Text.Json;
using Recommender.Core.Evaluation;
using Recommender.Core.Training;

namespace Recommender.Cli.Commands;

/// <summary>
/// <c>bench</c>: the fast trainer (on N threads and on one) and the notebook-faithful scalar trainer on the same data,
/// in one process, with the same factors, epochs and seed, so their ratios are measured side by side. Updates per
/// second count the epochs' update passes; fit seconds the whole run. The fast trainer's two runs alternate
/// <c>--repeat</c> times: its figures are the medians, and the thread speed-up the median of the pairs' ratios, so a
/// moment of contention on a shared machine does not decide them. Each pair is followed by N separate single-thread
/// runs at once, whose speed-up over one run shows what the machine offered N threads at the time. Then the Gibbs
/// sampler's sweeps per second and SVD++'s updates per second at their default factors.
/// </summary>
internal static partial class BenchCommand
{
    public static int Run(CommandLine options, TextWriter output, TextWriter error)
    {
        var trainPath = options.RequiredString("--train");
        var testPath = options.RequiredString("--test");
        var factors = options.Int("--factors") ?? 100;
        var epochs = options.Int("--epochs") ?? 20;
        var threads = options.Int("--threads") ?? Environment.ProcessorCount;
        var seed = options.Int("--seed") ?? 42;
        var repeats = options.Int("--repeat") ?? 5;
        var scalarRate = (float)(options.Double("--scalar-learning-rate") ?? 0.005);
        var json = options.Flag("--json");
        var rankingOnly = options.Flag("--ranking-only");
        options.EnsureAllRead();
        if (threads is < 1 or > 1024)
        {
            throw new UsageException("--threads must be between 1 and 1024.");
        }

        if (repeats is < 1 or > 1000)
        {
            throw new UsageException("--repeat must be between 1 and 1000.");
        }

        var (train, test) = EvaluateCommand.LoadPair(trainPath, testPath);
        if (rankingOnly)
        {
            var only = BenchRanking(train, threads, repeats, output);
            if (json)
            {
                output.WriteLine(JsonSerializer.Serialize(new { only.EaseFitSeconds, only.IalsFitSeconds, only.IalsUpdatesPerSecond, only.EaseRecommendationsPerSecond, only.IalsRecommendationsPerSecond, threads, repeats }, Camel));
            }

            return 0;
        }

        var fast = TrainingParameters.For(Algorithm.BiasedSgd) with { Factors = factors, Epochs = epochs, Seed = seed, EarlyStoppingPatience = 0, Threads = threads };
        var scalar = TrainingParameters.For(Algorithm.Notebook) with { Factors = factors, Epochs = epochs, Seed = seed, LearningRate = scalarRate };
        error.WriteLine($"bench: {train.Count:N0} training ratings, k = {factors}, {epochs} epochs, {threads} thread(s)");

        // JIT warm-up of both paths on a short run, so the measured runs time compiled code.
        Trainers.Create(fast with { Epochs = 1 }).Fit(train);
        Trainers.Create(fast with { Epochs = 1, Threads = 1 }).Fit(train);
        var (fastRuns, singleRuns, threadRatios, hostRatios) = (new List<Measurement>(), new List<Measurement>(), new List<double>(), new List<double>());
        for (var n = 0; n < repeats; n++)
        {
            var multi = Measure(fast, train, test);
            var single = threads > 1 ? Measure(fast with { Threads = 1 }, train, test) : multi;
            fastRuns.Add(multi);
            singleRuns.Add(single);
            threadRatios.Add(multi.UpdatesPerSecond / single.UpdatesPerSecond);
            if (threads > 1)
            {
                hostRatios.Add(Independent(fast with { Threads = 1 }, threads, train) / single.UpdatesPerSecond);
            }
        }

        var fastRun = Median(fastRuns);
        var singleRun = Median(singleRuns);
        var threadSpeedup = threadRatios.Order().ElementAt(repeats / 2);
        double? hostSpeedup = threads > 1 ? hostRatios.Order().ElementAt(repeats / 2) : null;
        // The notebook's scalar rule has no bias terms and a fixed rate: on large sets it can diverge. That is a result
        // to report, not a crash.
        Measurement? scalarRun = null;
        string? scalarDiverged = null;
        try
        {
            scalarRun = Measure(scalar, train, test);
        }
        catch (TrainingDivergedException e)
        {
            scalarDiverged = $"diverged at epoch {e.Epoch}";
        }

        double? speedup = scalarRun is null ? null : fastRun.UpdatesPerSecond / scalarRun.UpdatesPerSecond;
        var rows = new List<(string, Measurement)> { ($"fast, {threads} thread(s)", fastRun) };
        if (threads > 1)
        {
            rows.Add(("fast, 1 thread", singleRun));
        }

        if (scalarRun is not null)
        {
            rows.Add(("scalar (notebook)", scalarRun));
        }

        foreach (var (label, run) in rows)
        {
            output.WriteLine($"{label,-20} {run.UpdatesPerSecond / 1e6,8:F2} M updates/s  rmse {Output.F(run.Rmse)}  fit {Output.F(run.FitSeconds, "F3")} s  peak {run.PeakWorkingSetMb:F0} MB");
        }

        if (scalarDiverged is not null)
        {
            output.WriteLine($"{"scalar (notebook)",-20} {scalarDiverged} at learning rate {scalarRate}: no figures (--scalar-learning-rate lowers it)");
        }

        output.WriteLine(speedup is { } ratio ? $"speed-up vs scalar   {Output.F(ratio, "F2")}x" : "speed-up vs scalar   – (the scalar trainer diverged)");
        if (threads > 1)
        {
            output.WriteLine($"{threads} threads vs 1    {Output.F(threadSpeedup, "F2")}x (median of {repeats} alternated pairs)");
            output.WriteLine($"{threads} separate runs vs 1  {Output.F(hostSpeedup!.Value, "F2")}x ({threads} 1-thread runs at once after each pair: what the machine gave {threads} threads)");
        }
        var models = BenchModels(train, threads, epochs, seed, repeats, output);
        var ranking = BenchRanking(train, threads, repeats, output);
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(new
            {
                easeFitSeconds = ranking.EaseFitSeconds,
                ialsFitSeconds = ranking.IalsFitSeconds,
                ialsUpdatesPerSecond = ranking.IalsUpdatesPerSecond,
                easeRecommendationsPerSecond = ranking.EaseRecommendationsPerSecond,
                ialsRecommendationsPerSecond = ranking.IalsRecommendationsPerSecond,
                updatesPerSecond = fastRun.UpdatesPerSecond,
                rmse = fastRun.Rmse,
                fitSeconds = fastRun.FitSeconds,
                peakWorkingSetMb = fastRun.PeakWorkingSetMb,
                threads,
                factors,
                epochs,
                scalarUpdatesPerSecond = scalarRun?.UpdatesPerSecond,
                scalarRmse = scalarRun?.Rmse,
                scalarDiverged,
                speedup,
                singleThreadUpdatesPerSecond = singleRun.UpdatesPerSecond,
                singleThreadRmse = singleRun.Rmse,
                threadSpeedup,
                hostSpeedup,
                repeats,
                bayesianSweepsPerSecond = models.BayesianSweepsPerSecond,
                bayesianUpdatesPerSecond = models.BayesianUpdatesPerSecond,
                svdPlusPlusUpdatesPerSecond = models.SvdPlusPlusUpdatesPerSecond,
            }));
        }

        return 0;
    }

    /// <summary>
    /// Σ updates/s of <paramref name="count"/> single-thread runs trained at once, each on its own thread and model:
    /// work that shares nothing, so its speed-up over one run gauges what the machine offers that many threads right now
    /// (on a shared machine often well under <paramref name="count"/>). Not a strict ceiling for the parallel trainer:
    /// each separate run keeps a whole model of its own in the caches.
    /// </summary>
    private static double Independent(TrainingParameters single, int count, Core.Data.RatingDataset train)
    {
        GC.Collect();
        var rates = new double[count];
        var runs = Enumerable.Range(0, count)
            .Select(n => new Thread(() => rates[n] = Trainers.Create(single).Fit(train).UpdatesPerSecond) { Name = "bench-independent" })
            .ToArray();
        foreach (var run in runs)
        {
            run.Start();
        }

        foreach (var run in runs)
        {
            run.Join();
        }

        return rates.Sum();
    }

    private sealed record Measurement(double UpdatesPerSecond, double Rmse, double FitSeconds, double PeakWorkingSetMb);

    /// <summary>The run with the median updates per second (the upper one of an even count).</summary>
    private static Measurement Median(List<Measurement> runs) => runs.OrderBy(r => r.UpdatesPerSecond).ElementAt(runs.Count / 2);

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
