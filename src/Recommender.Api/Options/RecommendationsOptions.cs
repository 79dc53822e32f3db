using Microsoft.Extensions.Options;

namespace Recommender.Api.Options;

/// <summary>Limits of the query endpoints.</summary>
public sealed class RecommendationsOptions
{
    public const string SectionName = "Recommendations";

    /// <summary>Largest <c>count</c> a recommendation or similarity query may ask for.</summary>
    public int MaxCount { get; set; } = 100;

    /// <summary>Largest <c>neighbors</c> for <c>strategy=neighbors</c>.</summary>
    public int MaxNeighbors { get; set; } = 50;

    /// <summary>Largest <c>pageSize</c> of the paged listings and matrices.</summary>
    public int MaxPageSize { get; set; } = 100;

    /// <summary>
    /// Most cells (rows × columns) in one page of <c>/api/predictions</c> or <c>/api/similarity/users</c>; a page of
    /// the predicted matrix is about 25 bytes of JSON per cell.
    /// </summary>
    public int MaxMatrixCells { get; set; } = 250_000;
}

internal sealed class RecommendationsOptionsValidator : IValidateOptions<RecommendationsOptions>
{
    public ValidateOptionsResult Validate(string? name, RecommendationsOptions options)
    {
        var errors = new List<string>();
        if (options.MaxCount is < 1 or > 100_000)
        {
            errors.Add("Recommendations:MaxCount must be between 1 and 100000.");
        }

        if (options.MaxNeighbors is < 1 or > 10_000)
        {
            errors.Add("Recommendations:MaxNeighbors must be between 1 and 10000.");
        }

        if (options.MaxPageSize is < 1 or > 10_000)
        {
            errors.Add("Recommendations:MaxPageSize must be between 1 and 10000.");
        }

        if (options.MaxMatrixCells is < 1 or > 100_000_000)
        {
            errors.Add("Recommendations:MaxMatrixCells must be between 1 and 100000000.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
