using System.Globalization;
using Recommender.Core.Training;

namespace Recommender.Cli.Commands;

/// <summary>Shared console formatting of the verbs.</summary>
internal static class Output
{
    public static string Name(Algorithm algorithm) => algorithm switch
    {
        Algorithm.BiasedSgd => "biased-sgd",
        Algorithm.Als => "als",
        _ => "notebook",
    };

    /// <summary>Writes each epoch's report as one progress line on standard error.</summary>
    public static Action<EpochReport> Progress(TextWriter error, string label = "") => report =>
        error.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{label}epoch {report.Epoch,4}  objective {report.Objective,14:F4}  train rmse {report.TrainRmse:F4}{(report.ValidationRmse is { } v ? $"  validation rmse {v:F4}" : "")}  {report.Elapsed.TotalSeconds,7:F2}s"));

    public static string F(double value, string format = "F4") => value.ToString(format, CultureInfo.InvariantCulture);
}
