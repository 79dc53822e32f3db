using Microsoft.Extensions.Options;

namespace Recommender.Api.Options;

/// <summary>What an API key may do. Each role includes the ones before it: admin ⊃ write ⊃ read.</summary>
public enum ApiKeyRole
{
    /// <summary>GET requests (only checked when <see cref="AuthOptions.RequireKeyForReads"/> is set).</summary>
    Read,

    /// <summary>Changing ratings, users and items.</summary>
    Write,

    /// <summary>Retraining and activating model versions.</summary>
    Admin,
}

/// <summary>One API key: a name for logs and rate limits, the secret itself, and its role.</summary>
public sealed class ApiKeyOptions
{
    /// <summary>Shown in logs and used as the rate-limit partition; never secret.</summary>
    public string Name { get; set; } = "";

    /// <summary>The secret sent in the <c>X-API-Key</c> header: at least 16 characters.</summary>
    public string Key { get; set; } = "";

    public ApiKeyRole Role { get; set; } = ApiKeyRole.Read;
}

/// <summary>API keys (<c>Auth:Keys:0:Name</c>, <c>Auth:Keys:0:Key</c>, <c>Auth:Keys:0:Role</c>; env <c>Auth__Keys__0__Key</c>).</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    public const int MinKeyLength = 16;

    public List<ApiKeyOptions> Keys { get; set; } = [];

    /// <summary>GET requests need a key with the read role too (by default they are open).</summary>
    public bool RequireKeyForReads { get; set; }

    /// <summary>Lets an environment other than Development or Testing start without keys, with every endpoint open.</summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>Development and Testing may run without keys (open, with a warning); every other environment must opt in.</summary>
    public static bool MayRunOpen(IHostEnvironment environment) =>
        environment.IsDevelopment() || environment.IsEnvironment("Testing");
}

internal sealed class AuthOptionsValidator(IHostEnvironment environment) : IValidateOptions<AuthOptions>
{
    private const int MaxNameLength = 64;

    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var errors = new List<string>();
        if (options.Keys.Count == 0 && !options.AllowAnonymous && !AuthOptions.MayRunOpen(environment))
        {
            errors.Add(
                $"No API keys are configured for the {environment.EnvironmentName} environment: set Auth:Keys " +
                "(Auth__Keys__0__Name, Auth__Keys__0__Key, Auth__Keys__0__Role) or, to leave every endpoint open on purpose, Auth:AllowAnonymous=true.");
        }

        for (var n = 0; n < options.Keys.Count; n++)
        {
            var key = options.Keys[n];
            if (string.IsNullOrEmpty(key.Name) || key.Name.Length > MaxNameLength || !key.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                errors.Add($"Auth:Keys:{n}:Name must be 1–{MaxNameLength} characters of letters, digits, '-', '_' or '.'.");
            }

            if (key.Key.Length < AuthOptions.MinKeyLength || key.Key.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
            {
                // The message names the entry, never the secret.
                errors.Add($"Auth:Keys:{n}:Key must be at least {AuthOptions.MinKeyLength} characters without spaces or control characters.");
            }

            if (!Enum.IsDefined(key.Role))
            {
                errors.Add($"Auth:Keys:{n}:Role must be read, write or admin.");
            }
        }

        if (options.Keys.GroupBy(k => k.Name, StringComparer.OrdinalIgnoreCase).Any(g => g.Count() > 1))
        {
            errors.Add("Auth:Keys names must be unique.");
        }

        if (options.Keys.GroupBy(k => k.Key, StringComparer.Ordinal).Any(g => g.Count() > 1))
        {
            errors.Add("Auth:Keys must not share a key.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
