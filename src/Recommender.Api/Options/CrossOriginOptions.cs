using Microsoft.Extensions.Options;

namespace Recommender.Api.Options;

/// <summary>Browser origins allowed to call the API from another site (CORS). None by default.</summary>
public sealed class CrossOriginOptions
{
    public const string SectionName = "Cors";

    /// <summary>Exact origins such as <c>https://app.example.com</c>; no wildcards.</summary>
    public List<string> Origins { get; set; } = [];
}

internal sealed class CrossOriginOptionsValidator : IValidateOptions<CrossOriginOptions>
{
    public ValidateOptionsResult Validate(string? name, CrossOriginOptions options)
    {
        var errors = new List<string>();
        for (var n = 0; n < options.Origins.Count; n++)
        {
            var origin = options.Origins[n];
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
                || uri.GetLeftPart(UriPartial.Authority) != origin.TrimEnd('/') || origin.Contains('*', StringComparison.Ordinal))
            {
                errors.Add($"Cors:Origins:{n} must be an origin like https://app.example.com (scheme, host and optional port; no path or wildcard), not '{origin}'.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
