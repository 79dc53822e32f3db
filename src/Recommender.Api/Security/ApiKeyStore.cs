using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Recommender.Api.Options;

namespace Recommender.Api.Security;

/// <summary>
/// The configured API keys, kept only as SHA-256 hashes. A presented key is hashed and compared with every configured
/// hash by <see cref="CryptographicOperations.FixedTimeEquals"/>: the comparison takes the same time whatever the key's
/// length or how much of it matches, and it never stops at the first match.
/// </summary>
/// <remarks>
/// Keys rotate without a restart: when the configuration reloads (an edited <c>appsettings.json</c>, say), the
/// <c>Auth</c> section is read again and validated like at start-up. Valid keys replace the old ones at once; an invalid
/// section is logged (naming the entry, never a secret) and the keys in force stay.
/// </remarks>
internal sealed class ApiKeyStore : IDisposable
{
    private readonly IConfiguration _configuration;
    private readonly IValidateOptions<AuthOptions> _validator;
    private readonly ILogger<ApiKeyStore> _logger;
    private readonly IDisposable _reloads;
    private volatile Snapshot _current;

    private sealed record Snapshot((string Name, ApiKeyRole Role, byte[] Hash)[] Keys, bool RequireKeyForReads)
    {
        public static Snapshot Of(AuthOptions options) =>
            new([.. options.Keys.Select(k => (k.Name, k.Role, Hash(k.Key)))], options.RequireKeyForReads);

        public bool SameAs(Snapshot other) =>
            RequireKeyForReads == other.RequireKeyForReads && Keys.Length == other.Keys.Length
            && Keys.Zip(other.Keys).All(p => p.First.Name == p.Second.Name && p.First.Role == p.Second.Role && p.First.Hash.AsSpan().SequenceEqual(p.Second.Hash));
    }

    public ApiKeyStore(IOptions<AuthOptions> options, IConfiguration configuration, IValidateOptions<AuthOptions> validator, ILogger<ApiKeyStore> logger)
    {
        (_configuration, _validator, _logger) = (configuration, validator, logger);
        _current = Snapshot.Of(options.Value);
        _reloads = ChangeToken.OnChange(configuration.GetReloadToken, Reload);
    }

    /// <summary>No keys are configured: every endpoint is open (allowed in Development and Testing, or by Auth:AllowAnonymous).</summary>
    public bool IsOpen => _current.Keys.Length == 0;

    /// <summary>GET requests need a key with the read role (<see cref="AuthOptions.RequireKeyForReads"/>).</summary>
    public bool RequireKeyForReads => _current.RequireKeyForReads;

    public IEnumerable<string> Names => _current.Keys.Select(k => k.Name);

    /// <summary>The name and role of <paramref name="presented"/>, or null when it is not a configured key.</summary>
    public (string Name, ApiKeyRole Role)? Find(string presented)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), hash);
        (string, ApiKeyRole)? match = null;
        foreach (var key in _current.Keys)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, key.Hash) && match is null)
            {
                match = (key.Name, key.Role);
            }
        }

        return match;
    }

    public void Dispose() => _reloads.Dispose();

    private void Reload()
    {
        // A reload callback must not throw: it runs on the configuration's own thread.
        try
        {
            var options = _configuration.GetSection(AuthOptions.SectionName).Get<AuthOptions>(o => o.ErrorOnUnknownConfiguration = true) ?? new AuthOptions();
            var result = _validator.Validate(Microsoft.Extensions.Options.Options.DefaultName, options);
            if (result.Failed)
            {
                _logger.LogError("The reloaded API keys were not taken; the keys in force stay: {Errors}", result.FailureMessage);
                return;
            }

            var next = Snapshot.Of(options);
            if (next.SameAs(_current))
            {
                return;
            }

            _current = next;
            _logger.LogWarning(
                "API keys reloaded: {Keys}; reads {Reads}",
                next.Keys.Length == 0 ? "none (every endpoint is open)" : string.Join(", ", next.Keys.Select(k => $"{k.Name} ({ApiKeyRoles.Name(k.Role)})")),
                next.RequireKeyForReads ? "need a key with the read role" : "are open");
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            _logger.LogError("The reloaded API keys were not taken; the keys in force stay: {Error}", e.Message);
        }
    }

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
