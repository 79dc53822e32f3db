using Microsoft.Extensions.Options;

namespace Recommender.Api.Options;

/// <summary>Where published model snapshots are kept.</summary>
public sealed class ModelOptions
{
    public const string SectionName = "Model";

    /// <summary>Folder of the snapshot files (relative paths are under the content root).</summary>
    public string Directory { get; set; } = "models";

    /// <summary>How many published snapshots to keep on disk (the active one always stays).</summary>
    public int KeepVersions { get; set; } = 5;
}

internal sealed class ModelOptionsValidator : IValidateOptions<ModelOptions>
{
    public ValidateOptionsResult Validate(string? name, ModelOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Directory))
        {
            errors.Add("Model:Directory must be set.");
        }

        if (options.KeepVersions is < 1 or > 1000)
        {
            errors.Add("Model:KeepVersions must be between 1 and 1000.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
