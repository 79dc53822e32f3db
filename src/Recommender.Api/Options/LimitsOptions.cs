using Microsoft.Extensions.Options;

namespace Recommender.Api.Options;

/// <summary>Request body sizes and the request timeout.</summary>
public sealed class LimitsOptions
{
    public const string SectionName = "Limits";

    /// <summary>Largest request body (Kestrel's <c>MaxRequestBodySize</c>); a larger one is answered 413.</summary>
    public long MaxRequestBodyBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Largest body of an endpoint marked <c>.WithImportBodyLimit()</c> (bulk imports).</summary>
    public long MaxImportBodyBytes { get; set; } = 1024L * 1024 * 1024;

    /// <summary>A request still running after this is cancelled and answered 504. Zero turns the timeout off.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

internal sealed class LimitsOptionsValidator : IValidateOptions<LimitsOptions>
{
    public ValidateOptionsResult Validate(string? name, LimitsOptions options)
    {
        var errors = new List<string>();
        if (options.MaxRequestBodyBytes < 1024)
        {
            errors.Add("Limits:MaxRequestBodyBytes must be at least 1024.");
        }

        if (options.MaxImportBodyBytes < options.MaxRequestBodyBytes)
        {
            errors.Add("Limits:MaxImportBodyBytes must be at least Limits:MaxRequestBodyBytes.");
        }

        if (options.RequestTimeout < TimeSpan.Zero)
        {
            errors.Add("Limits:RequestTimeout must not be negative (zero turns it off).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
