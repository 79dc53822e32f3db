using System.Globalization;
using Recommender.Core.Ranking;

namespace Recommender.Cli;

internal sealed partial class CommandLine
{
    /// <summary>True when <c>--algorithm</c> names a ranking model (ease, ials, popularity) rather than a rating trainer.</summary>
    public bool IsRanking => RankingAlgorithmOf(String("--algorithm")) is not null;

    /// <summary>
    /// Ranking parameters: the algorithm's defaults overridden by any options given. In <paramref name="grid"/> mode
    /// (cross-validation) <c>--regularization</c>, <c>--alpha</c>, <c>--factors</c>, <c>--regularization-exponent</c> and <c>--positive-threshold</c> may be
    /// comma-separated lists, and every combination is returned.
    /// </summary>
    public IReadOnlyList<RankingParameters> RankingGrid(bool grid)
    {
        var algorithm = RankingAlgorithmOf(String("--algorithm"))
            ?? throw new UsageException("--algorithm must be ease, ials or popularity here.");
        var p = RankingParameters.For(algorithm);
        p = p with
        {
            Epochs = Int("--epochs") ?? p.Epochs,
            ConjugateGradientSteps = Int("--cg-steps") ?? p.ConjugateGradientSteps,
            InitStandardDeviation = Double("--init-std") ?? p.InitStandardDeviation,
            MaxItems = Int("--max-items") ?? p.MaxItems,
            Seed = Int("--seed") ?? p.Seed,
            Threads = Int("--threads") ?? p.Threads,
        };
        var lambdas = List("--regularization", grid, s => (float)ParseDouble(s), p.Regularization);
        var alphas = List("--alpha", grid, s => (float)ParseDouble(s), p.Alpha);
        var factors = List("--factors", grid, s => int.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture), p.Factors);
        var exponents = List("--regularization-exponent", grid, s => (float)ParseDouble(s), p.RegularizationExponent);
        var thresholds = List("--positive-threshold", grid, s => s == "none" ? (float?)null : (float)ParseDouble(s), p.PositiveThreshold);
        var all = (from t in thresholds from k in factors from a in alphas from l in lambdas from e in exponents
                   select p with { PositiveThreshold = t, Factors = k, Alpha = a, Regularization = l, RegularizationExponent = e }).ToList();
        try
        {
            all.ForEach(q => q.Validate());
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }

        return all;
    }

    public static RankingAlgorithm? RankingAlgorithmOf(string? name) => name switch
    {
        "ease" => RankingAlgorithm.Ease,
        "ials" => RankingAlgorithm.ImplicitAls,
        "popularity" => RankingAlgorithm.Popularity,
        _ => null,
    };

    private static double ParseDouble(string s) => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);

    private List<T> List<T>(string name, bool grid, Func<string, T> parse, T fallback)
    {
        var text = String(name);
        if (text is null)
        {
            return [fallback];
        }

        var parts = grid ? text.Split(',', StringSplitOptions.TrimEntries) : [text];
        try
        {
            return parts.Select(parse).ToList();
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new UsageException($"{name} must be a number{(grid ? " or a comma-separated list of numbers" : "")}{(name == "--positive-threshold" ? " (or none)" : "")}, not '{text}'.");
        }
    }
}
