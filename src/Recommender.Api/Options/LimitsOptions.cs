using Microsoft.Extensions.Options;

namespace Recommender.Api.Options;

/// <summary>Request body sizes, the request timeout and the import's time limits.</summary>
public sealed class LimitsOptions
{
    public const string SectionName = "Limits";

    /// <summary>Largest request body (Kestrel's <c>MaxRequestBodySize</c>); a larger one is answered 413.</summary>
    public long MaxRequestBodyBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Largest body of an endpoint marked <c>.WithImportBodyLimit()</c> (bulk imports).</summary>
    public long MaxImportBodyBytes { get; set; } = 1024L * 1024 * 1024;

    /// <summary>A request still running after this is cancelled and answered 504. Zero turns the timeout off.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// An import whose body stops arriving for this long is cancelled, stores nothing and is answered 408. Reading the
    /// body has no overall limit: a large body takes as long as it takes while it keeps arriving. Zero turns it off.
    /// </summary>
    public TimeSpan ImportIdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The longest an import may hold the store's write lock to apply its staged ratings; one that takes longer is rolled
    /// back and answered 503. Zero turns the limit off.
    /// </summary>
    public TimeSpan ImportApplyTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Memory an import may stage its ratings in (SQLite; about 32 bytes a rating plus its distinct ids) before it moves
    /// them into a temporary table on disk, which is slower but bounded by the disk alone.
    /// </summary>
    public long ImportMemoryBytes { get; set; } = 1024L * 1024 * 1024;
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

        if (options.ImportIdleTimeout < TimeSpan.Zero)
        {
            errors.Add("Limits:ImportIdleTimeout must not be negative (zero turns it off).");
        }

        if (options.ImportApplyTimeout < TimeSpan.Zero)
        {
            errors.Add("Limits:ImportApplyTimeout must not be negative (zero turns it off).");
        }

        if (options.ImportMemoryBytes < 0)
        {
            errors.Add("Limits:ImportMemoryBytes must not be negative (zero stages every import on disk).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
