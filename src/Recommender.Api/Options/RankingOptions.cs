using Microsoft.Extensions.Options;
using Recommender.Core.Data;
using Recommender.Core.Ranking;

namespace Recommender.Api.Options;

/// <summary>Which ranking model the service trains beside the rating model.</summary>
public enum RankingChoice
{
    /// <summary>EASE while the items with interactions fit in <see cref="RankingOptions.MaxItems"/>, implicit ALS beyond.</summary>
    Auto,

    /// <summary>EASE; a run whose items exceed <see cref="RankingOptions.MaxItems"/> fails with a message saying so.</summary>
    Ease,

    /// <summary>Implicit ALS.</summary>
    ImplicitAls,

    /// <summary>Item popularity only.</summary>
    Popularity,
}

/// <summary>
/// The ranking model that decides what <c>/recommendations</c> shows (strategy=ranking). Unset parameters take the
/// algorithm's defaults (<see cref="RankingParameters.For"/>), chosen by cross-validation.
/// </summary>
public sealed class RankingOptions
{
    public const string SectionName = "Ranking";

    public RankingChoice Algorithm { get; set; } = RankingChoice.Auto;

    /// <summary>EASE's λ, or implicit ALS's λ.</summary>
    public float? Regularization { get; set; }

    /// <summary>A rating counts as an interaction when it is at least this (set it to Ratings:Min to count every rating).</summary>
    public float? PositiveThreshold { get; set; }

    public int? Factors { get; set; }

    public int? Epochs { get; set; }

    public float? Alpha { get; set; }

    /// <summary>EASE's item limit (its memory is items²); above it Auto trains implicit ALS.</summary>
    public int MaxItems { get; set; } = RankingParameters.For(RankingAlgorithm.Ease).MaxItems;

    /// <summary>A new ranking model is refused when its NDCG@10 is below the serving one's by more than this.</summary>
    public double MaxNdcgRegression { get; set; } = 0.02;

    /// <summary>The parameters for <paramref name="data"/>: Auto picks EASE or implicit ALS by the items with interactions.</summary>
    public RankingParameters ToParameters(RatingDataset data, int seed, int threads)
    {
        var algorithm = Algorithm switch
        {
            RankingChoice.Ease => RankingAlgorithm.Ease,
            RankingChoice.ImplicitAls => RankingAlgorithm.ImplicitAls,
            RankingChoice.Popularity => RankingAlgorithm.Popularity,
            _ => InteractionItems(data) <= MaxItems ? RankingAlgorithm.Ease : RankingAlgorithm.ImplicitAls,
        };
        return WithOverrides(RankingParameters.For(algorithm), seed, threads);
    }

    /// <summary>The parameters of <paramref name="defaults"/> overridden by what is configured.</summary>
    public RankingParameters WithOverrides(RankingParameters defaults, int seed, int threads) => defaults with
    {
        Regularization = Regularization ?? defaults.Regularization,
        PositiveThreshold = PositiveThreshold ?? defaults.PositiveThreshold,
        Factors = Factors ?? defaults.Factors,
        Epochs = Epochs ?? defaults.Epochs,
        Alpha = Alpha ?? defaults.Alpha,
        MaxItems = MaxItems,
        Seed = seed,
        Threads = threads,
    };

    private int InteractionItems(RatingDataset data)
    {
        var threshold = PositiveThreshold ?? RankingParameters.For(RankingAlgorithm.Ease).PositiveThreshold;
        var seen = new bool[data.Items.Count];
        var count = 0;
        for (var n = 0; n < data.Count; n++)
        {
            if ((threshold is not { } t || data.Values[n] >= t) && !seen[data.ItemIndices[n]])
            {
                seen[data.ItemIndices[n]] = true;
                count++;
            }
        }

        return count;
    }
}

internal sealed class RankingOptionsValidator : IValidateOptions<RankingOptions>
{
    public ValidateOptionsResult Validate(string? name, RankingOptions options)
    {
        var errors = new List<string>();
        if (!Enum.IsDefined(options.Algorithm))
        {
            errors.Add("Ranking:Algorithm must be Auto, Ease, ImplicitAls or Popularity.");
        }

        if (!(options.MaxNdcgRegression >= 0) || !double.IsFinite(options.MaxNdcgRegression))
        {
            errors.Add("Ranking:MaxNdcgRegression must be a finite non-negative number.");
        }

        RankingAlgorithm[] used = options.Algorithm switch
        {
            RankingChoice.Ease => [RankingAlgorithm.Ease],
            RankingChoice.ImplicitAls => [RankingAlgorithm.ImplicitAls],
            RankingChoice.Popularity => [RankingAlgorithm.Popularity],
            _ => [RankingAlgorithm.Ease, RankingAlgorithm.ImplicitAls],
        };
        foreach (var algorithm in used)
        {
            try
            {
                options.WithOverrides(RankingParameters.For(algorithm), seed: 0, threads: 0).Validate();
            }
            catch (ArgumentException e)
            {
                errors.Add($"Ranking:{e.ParamName}: {e.Message}");
                break;
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
