using System.Globalization;
using System.Text.Json;
using Recommender.Core.Data;
using Recommender.Core.Evaluation;
using Recommender.Core.Ranking;

namespace Recommender.Cli.Commands;

internal static partial class CrossValidateCommand
{
    /// <summary>
    /// A ranking model's grid search: every combination of the listed λ, α, factors and positive thresholds is fitted on
    /// k − 1 folds of one file and ranked on the held-out fold (relevant = held-out rating ≥ 4), over the same seeded
    /// folds; the combinations are reported by mean NDCG@10, best first.
    /// </summary>
    private static int RunRanking(CommandLine options, TextWriter output, TextWriter error)
    {
        var input = options.RequiredString("--input");
        var folds = options.Int("--folds") ?? 5;
        var json = options.Flag("--json");
        var grid = options.RankingGrid(grid: true);
        options.EnsureAllRead();
        if (folds < 2)
        {
            throw new UsageException("--folds must be at least 2.");
        }

        var data = RatingFileReader.ReadFile(input);
        var splits = DatasetSplit.KFold(data, folds, grid[0].Seed).ToList();
        var results = new List<Result>();
        foreach (var parameters in grid)
        {
            var ndcgs = new List<double>();
            double precision = 0, recall = 0, seconds = 0;
            foreach (var (train, test) in splits)
            {
                var fit = RankingTrainer.Fit(parameters, train);
                var (p, r, n, _) = Evaluator.Ranking(fit.Model, test);
                ndcgs.Add(n);
                (precision, recall, seconds) = (precision + p / folds, recall + r / folds, seconds + fit.Elapsed.TotalSeconds / folds);
            }

            var mean = ndcgs.Average();
            var sd = Math.Sqrt(ndcgs.Sum(v => (v - mean) * (v - mean)) / (folds - 1));
            var result = new Result(parameters, mean, sd, precision, recall, seconds);
            results.Add(result);
            error.WriteLine(Line(result));
        }

        results.Sort((a, b) => b.NdcgAt10.CompareTo(a.NdcgAt10));
        output.WriteLine($"cv NDCG@10 over {folds} folds of {data.Count:N0} ratings, best first:");
        foreach (var result in results)
        {
            output.WriteLine(Line(result));
        }

        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(new
            {
                folds,
                algorithm = Output.Name(grid[0].Algorithm),
                best = Json(results[0]),
                results = results.Select(Json),
            }));
        }

        return 0;
    }

    private sealed record Result(RankingParameters Parameters, double NdcgAt10, double NdcgStdDev, double PrecisionAt10, double RecallAt10, double FitSeconds);

    private static string Line(Result r) => string.Create(
        CultureInfo.InvariantCulture,
        $"NDCG@10 {r.NdcgAt10:F4} ± {r.NdcgStdDev:F4}  P@10 {r.PrecisionAt10:F4}  R@10 {r.RecallAt10:F4}  fit {r.FitSeconds:F2} s  {Output.Describe(r.Parameters)}");

    private static object Json(Result r) => new
    {
        ndcgAt10 = r.NdcgAt10,
        ndcgStdDev = r.NdcgStdDev,
        precisionAt10 = r.PrecisionAt10,
        recallAt10 = r.RecallAt10,
        fitSeconds = r.FitSeconds,
        regularization = r.Parameters.Regularization,
        alpha = r.Parameters.Alpha,
        factors = r.Parameters.Factors,
        epochs = r.Parameters.Epochs,
        regularizationExponent = r.Parameters.RegularizationExponent,
        positiveThreshold = r.Parameters.PositiveThreshold,
    };
}
