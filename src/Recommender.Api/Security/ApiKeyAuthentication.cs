using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Recommender.Api.Options;

namespace Recommender.Api.Security;

/// <summary>
/// The configured API keys, kept only as SHA-256 hashes. A presented key is hashed and compared with every configured
/// hash by <see cref="CryptographicOperations.FixedTimeEquals"/>: the comparison takes the same time whatever the key's
/// length or how much of it matches, and it never stops at the first match.
/// </summary>
internal sealed class ApiKeyStore
{
    private readonly (string Name, ApiKeyRole Role, byte[] Hash)[] _keys;

    public ApiKeyStore(IOptions<AuthOptions> options) =>
        _keys = options.Value.Keys.Select(k => (k.Name, k.Role, Hash(k.Key))).ToArray();

    /// <summary>No keys are configured: every endpoint is open (allowed in Development and Testing, or by Auth:AllowAnonymous).</summary>
    public bool IsOpen => _keys.Length == 0;

    public int Count => _keys.Length;

    public IEnumerable<string> Names => _keys.Select(k => k.Name);

    /// <summary>The name and role of <paramref name="presented"/>, or null when it is not a configured key.</summary>
    public (string Name, ApiKeyRole Role)? Find(string presented)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), hash);
        (string, ApiKeyRole)? match = null;
        foreach (var key in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, key.Hash) && match is null)
            {
                match = (key.Name, key.Role);
            }
        }

        return match;
    }

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}

/// <summary>
/// Authenticates the <c>X-API-Key</c> header. A known key becomes a principal named after the key, with its role and the
/// roles it implies; an unknown key fails authentication; no header leaves the request anonymous. The key itself is never
/// put in a claim, a log message or a response.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
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
