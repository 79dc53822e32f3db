using Recommender.Core.Data;
using Recommender.Core.Evaluation;
using Recommender.Core.Training;

namespace Recommender.Cli.Commands;

/// <summary><c>train --input FILE [--holdout F]</c>: trains on a file, holding out a seeded fraction to report metrics.</summary>
internal static class TrainCommand
{
    public static int Run(CommandLine options, TextWriter output, TextWriter error)
    {
        var input = options.RequiredString("--input");
        var holdout = options.Double("--holdout") ?? 0.1;
        var parameters = options.Parameters();
        options.EnsureAllRead();
        if (holdout is < 0 or >= 1)
        {
            throw new UsageException("--holdout must be in [0, 1).");
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var data = RatingFileReader.ReadFile(input);
        error.WriteLine($"{data.Count:N0} ratings, {data.Users.Count:N0} users, {data.Items.Count:N0} items");
        var (train, test) = holdout > 0 ? DatasetSplit.Holdout(data, holdout, parameters.Seed) : (data, null);
        var result = Trainers.Create(parameters).Fit(train, null, Output.Progress(error));
        output.WriteLine($"algorithm        {Output.Name(parameters.Algorithm)} (factors {parameters.Factors}, epochs {result.History.Count})");
        output.WriteLine($"train RMSE       {Output.F(result.History[^1].TrainRmse)}");
        if (test is not null)
        {
            var metrics = Evaluator.Evaluate(result.Model, test);
            output.WriteLine($"holdout RMSE     {Output.F(metrics.Rmse)}");
            output.WriteLine($"holdout MAE      {Output.F(metrics.Mae)}");
            output.WriteLine($"NDCG@10          {Output.F(metrics.NdcgAt10)}");
        }

        output.WriteLine($"fit seconds      {Output.F(result.Elapsed.TotalSeconds, "F3")}");
        output.WriteLine($"updates/second   {Output.F(result.UpdatesPerSecond, "N0")}");
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        output.WriteLine($"total seconds    {Output.F(clock.Elapsed.TotalSeconds, "F3")} (reading the file included)");
        output.WriteLine($"peak memory      {process.PeakWorkingSet64 / 1048576.0:F0} MB (peak working set)");
        return 0;
    }
}
