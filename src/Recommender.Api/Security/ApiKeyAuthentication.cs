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

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (keys.IsOpen || !Request.Headers.TryGetValue(HeaderName, out var values))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (values.Count != 1 || string.IsNullOrEmpty(values[0]) || keys.Find(values[0]!) is not { } key)
        {
            return Task.FromResult(AuthenticateResult.Fail($"The {HeaderName} header does not hold a known API key."));
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
