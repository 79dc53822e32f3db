using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Recommender.Api.Options;

namespace Recommender.Api.Security;

/// <summary>
/// Authenticates the <c>X-API-Key</c> header. A known key becomes a principal named after the key, with its role and the
/// roles it implies; an unknown key fails authentication; no header leaves the request anonymous. The key itself is never
/// put in a claim, a log message or a response.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    CachingLoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyStore keys) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    public const string HeaderName = "X-API-Key";

    /// <summary>The other way to send a key, for clients that can only set a bearer token (Prometheus, say).</summary>
    private const string BearerPrefix = "Bearer ";

    /// <summary>True when the request carries a key, in <see cref="HeaderName"/> or as a bearer token.</summary>
    public static bool SentAKey(HttpRequest request) =>
        request.Headers.ContainsKey(HeaderName)
        || request.Headers.Authorization is { Count: 1 } authorization && authorization[0]?.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase) == true;

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (keys.IsOpen)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        string? sent;
        string header;
        if (Request.Headers.TryGetValue(HeaderName, out var values))
        {
            (sent, header) = (values.Count == 1 ? values[0] : null, HeaderName);
        }
        else if (Request.Headers.Authorization is { Count: 1 } authorization
            && authorization[0] is { } bearer && bearer.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            (sent, header) = (bearer[BearerPrefix.Length..].Trim(), "Authorization header's bearer token");
        }
        else
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (string.IsNullOrEmpty(sent) || keys.Find(sent) is not { } key)
        {
            return Task.FromResult(AuthenticateResult.Fail($"The {header} does not hold a known API key."));
        }

        var claims = new List<Claim> { new(ClaimTypes.Name, key.Name) };
        claims.AddRange(Enum.GetValues<ApiKeyRole>().Where(role => role <= key.Role).Select(role => new Claim(ClaimTypes.Role, ApiKeyRoles.Name(role))));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }
}

internal static class ApiKeyRoles
{
    /// <summary>The role's name in claims, configuration and problem texts: read, write, admin.</summary>
    public static string Name(ApiKeyRole role) => role.ToString().ToLowerInvariant();
}
