using System.Globalization;
using Recommender.Core.Ranking;
using Recommender.Core.Training;

namespace Recommender.Cli.Commands;

/// <summary>Shared console formatting of the verbs.</summary>
internal static class Output
{
    public static string Name(Algorithm algorithm) => algorithm switch
    {
        Algorithm.BiasedSgd => "biased-sgd",
        Algorithm.Als => "als",
        Algorithm.Bayesian => "bayesian",
        Algorithm.SvdPlusPlus => "svdpp",
        Algorithm.Blend => "blend",
        _ => "notebook",
    };

    public static string Name(RankingAlgorithm algorithm) => algorithm switch
    {
        RankingAlgorithm.Ease => "ease",
        RankingAlgorithm.ImplicitAls => "ials",
        _ => "popularity",
    };

    /// <summary>The hyperparameters that matter for a ranking model, for a report line.</summary>
    public static string Describe(RankingParameters p) => p.Algorithm switch
    {
        RankingAlgorithm.Ease => $"λ {F(p.Regularization, "G4")}, positive {Threshold(p)}",
        RankingAlgorithm.ImplicitAls => $"factors {p.Factors}, epochs {p.Epochs}, α {F(p.Alpha, "G4")}, λ {F(p.Regularization, "G4")}, ν {F(p.RegularizationExponent, "G3")}, positive {Threshold(p)}",
        _ => $"positive {Threshold(p)}",
    };

    private static string Threshold(RankingParameters p) => p.PositiveThreshold is { } t ? $"≥ {F(t, "G4")}" : "every rating";

    /// <summary>Writes each epoch's report as one progress line on standard error.</summary>
    public static Action<EpochReport> Progress(TextWriter error, string label = "") => report =>
        error.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{label}epoch {report.Epoch,4}  objective {report.Objective,14:F4}  train rmse {report.TrainRmse:F4}{(report.ValidationRmse is { } v ? $"  validation rmse {v:F4}" : "")}  {report.Elapsed.TotalSeconds,7:F2}s"));

    public static string F(double value, string format = "F4") => value.ToString(format, CultureInfo.InvariantCulture);
}
