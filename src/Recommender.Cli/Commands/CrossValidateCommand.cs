using System.Text.Json;
using Recommender.Core.Data;
using Recommender.Core.Evaluation;
using Recommender.Core.Training;

namespace Recommender.Cli.Commands;

/// <summary>
/// <c>cross-validate --input FILE [--folds N]</c>: k-fold cross-validation on one file — the way to choose
/// hyperparameters without ever touching a test set.
/// </summary>
internal static partial class CrossValidateCommand
{
    public static int Run(CommandLine options, TextWriter output, TextWriter error)
    {
        var search = options.Flag("--search");
        if (options.IsRanking)
        {
            return search
                ? throw new UsageException("--search is for the rating algorithms; for a ranking algorithm, list comma-separated values to form the grid.")
                : RunRanking(options, output, error);
        }

        var input = options.RequiredString("--input");
        var folds = options.Int("--folds") ?? 5;
        var json = options.Flag("--json");
        var parameters = options.Parameters();
        options.EnsureAllRead();
        if (folds < 2)
        {
            throw new UsageException("--folds must be at least 2.");
        }

        var data = RatingFileReader.ReadFile(input);
        if (search)
        {
            return RunSearch(data, parameters, folds, json, output, error);
        }

        var rmses = new List<double>();
        var maes = new List<double>();
        var fitSeconds = new List<double>();
        var fold = 0;
        foreach (var (train, test) in DatasetSplit.KFold(data, folds, parameters.Seed))
        {
            fold++;
            var result = Trainers.Create(parameters).Fit(train);
            var (rmse, mae) = Evaluator.Accuracy(result.Model, test);
            rmses.Add(rmse);
            maes.Add(mae);
            fitSeconds.Add(result.Elapsed.TotalSeconds);
            error.WriteLine($"fold {fold}/{folds}: rmse {Output.F(rmse)}  mae {Output.F(mae)}  fit {Output.F(result.Elapsed.TotalSeconds, "F2")} s");
        }

        var mean = rmses.Average();
        var sd = Math.Sqrt(rmses.Sum(r => (r - mean) * (r - mean)) / Math.Max(1, rmses.Count - 1));
        output.WriteLine($"cv RMSE          {Output.F(mean)} ± {Output.F(sd)} over {folds} folds");
        output.WriteLine($"cv MAE           {Output.F(maes.Average())}");
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(new { rmse = mean, rmseStdDev = sd, mae = maes.Average(), folds, algorithm = Output.Name(parameters.Algorithm), parameters.Factors, parameters.Epochs, foldRmse = rmses, fitSeconds = fitSeconds.Average() }));
        }

        return 0;
    }

    /// <summary>
    /// <c>--search</c>: the service's self-tuning search (<see cref="HyperparameterSearch.Grid"/> around the given
    /// parameters, each setting cross-validated on the same folds), best first.
    /// </summary>
    private static int RunSearch(RatingDataset data, TrainingParameters parameters, int folds, bool json, TextWriter output, TextWriter error)
    {
        var result = HyperparameterSearch.Run(
            data,
            HyperparameterSearch.Grid(parameters),
            Trainers.Create,
            folds,
            TimeSpan.MaxValue,
            c => error.WriteLine($"factors {c.Parameters.Factors}  regularization {c.Parameters.Regularization}  samples {c.Parameters.Samples}: cv RMSE {(c.Rmse is { } r ? Output.F(r) : c.Skipped)}"));
        var ranked = result.Candidates.Where(c => c.Rmse is not null).OrderBy(c => c.Rmse).ToList();
        foreach (var c in ranked)
        {
            output.WriteLine($"cv RMSE {Output.F(c.Rmse!.Value)} ± {Output.F(c.RmseStdDev!.Value)}  factors {c.Parameters.Factors}  regularization {c.Parameters.Regularization}  samples {c.Parameters.Samples}");
        }

        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(new
            {
                algorithm = Output.Name(parameters.Algorithm),
                folds,
                seconds = result.Seconds,
                results = ranked.Select(c => new { factors = c.Parameters.Factors, regularization = c.Parameters.Regularization, samples = c.Parameters.Samples, rmse = c.Rmse, rmseStdDev = c.RmseStdDev }),
            }));
        }

        return 0;
    }
}
