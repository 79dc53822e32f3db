using Microsoft.Extensions.Options;

namespace Recommender.Api.Options;

/// <summary>A token bucket per API key name, or per client IP address for requests without a key.</summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "RateLimits";

    /// <summary>False turns rate limiting off.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Sustained requests per second of one key or address (the bucket refills once a second).</summary>
    public int PermitsPerSecond { get; set; } = 100;

    /// <summary>Size of the bucket: how many requests may come at once after a quiet spell.</summary>
    public int Burst { get; set; } = 200;

    /// <summary>Requests over the limit that wait for a permit instead of being answered 429 at once.</summary>
    public int QueueLimit { get; set; }
}

internal sealed class RateLimitOptionsValidator : IValidateOptions<RateLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, RateLimitOptions options)
    {
        var errors = new List<string>();
        if (options.PermitsPerSecond is < 1 or > 1_000_000)
        {
            errors.Add("RateLimits:PermitsPerSecond must be between 1 and 1000000.");
        }

        if (options.Burst is < 1 or > 10_000_000)
        {
            errors.Add("RateLimits:Burst must be between 1 and 10000000.");
        }

        if (options.QueueLimit is < 0 or > 100_000)
        {
            errors.Add("RateLimits:QueueLimit must be between 0 and 100000.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
