using Microsoft.Extensions.Options;

namespace Recommender.Api.Options;

/// <summary>The rating scale and write limits.</summary>
public sealed class RatingsOptions
{
    public const string SectionName = "Ratings";

    /// <summary>Lowest accepted rating.</summary>
    public double Min { get; set; } = 0.5;

    /// <summary>Highest accepted rating.</summary>
    public double Max { get; set; } = 5;

    /// <summary>Most ratings in one <c>POST /api/ratings/batch</c>.</summary>
    public int MaxBatchSize { get; set; } = 10_000;
}

internal sealed class RatingsOptionsValidator : IValidateOptions<RatingsOptions>
{
    public ValidateOptionsResult Validate(string? name, RatingsOptions options)
    {
        var errors = new List<string>();
        if (!double.IsFinite(options.Min) || !double.IsFinite(options.Max) || options.Min >= options.Max)
        {
            errors.Add("Ratings:Min and Ratings:Max must be finite numbers with Ratings:Min < Ratings:Max.");
        }

        if (options.MaxBatchSize is < 1 or > 1_000_000)
        {
            errors.Add("Ratings:MaxBatchSize must be between 1 and 1000000.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
