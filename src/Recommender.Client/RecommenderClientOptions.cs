namespace Recommender.Client;

/// <summary>Where the service is, the API key to send and how idempotent calls are retried.</summary>
public sealed class RecommenderClientOptions
{
    /// <summary>The service's base address, such as <c>http://localhost:5080/</c> (a path base ends with a slash).</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>
    /// The API key sent as <c>X-API-Key</c> with every request; null sends none (a service without keys configured is
    /// open). Writes need a key with the <c>write</c> role, retraining, activation and pins <c>admin</c>, and reads the
    /// <c>read</c> role when the service sets <c>Auth:RequireKeyForReads</c>.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>How long one request may take, retries included (<see cref="HttpClient.Timeout"/>); 100 seconds by default.</summary>
    /// <remarks>A large import can take longer: give it its own client, or <see cref="Timeout.InfiniteTimeSpan"/> and a cancellation token.</remarks>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>Retries of an idempotent request (GET, HEAD, PUT, DELETE) after a 408, 429 or 503 or a network failure; 0 turns retries off.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The wait before the first retry when the service sends no <c>Retry-After</c>; each further retry waits twice as long, with jitter.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// The longest wait before a retry. A <c>Retry-After</c> asking for longer is not waited for: the response is
    /// returned (and surfaces as a <see cref="RecommenderApiException"/> with its <see cref="RecommenderApiException.RetryAfter"/>).
    /// </summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Throws when the options cannot work: no absolute base address, or a negative retry setting.</summary>
    /// <exception cref="InvalidOperationException">The options are invalid.</exception>
    public void Validate()
    {
        if (Problem() is { } problem)
        {
            throw new InvalidOperationException(problem);
        }
    }

    /// <summary>What makes the options unusable, or null.</summary>
    internal string? Problem() =>
        BaseAddress is not { IsAbsoluteUri: true } ? "RecommenderClientOptions.BaseAddress must be an absolute URI, such as http://localhost:5080/."
        : MaxRetries < 0 || RetryDelay < TimeSpan.Zero || MaxRetryDelay < TimeSpan.Zero ? "RecommenderClientOptions.MaxRetries, RetryDelay and MaxRetryDelay must not be negative."
        : Timeout <= TimeSpan.Zero && Timeout != System.Threading.Timeout.InfiniteTimeSpan ? "RecommenderClientOptions.Timeout must be positive or infinite."
        : null;
}
