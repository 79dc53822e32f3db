using System.Net;

namespace Recommender.Client;

/// <summary>
/// Retries idempotent requests — GET, HEAD, PUT and DELETE — after a 408, 429 or 503 or a network failure, at most
/// <see cref="RecommenderClientOptions.MaxRetries"/> times, waiting what <c>Retry-After</c> asks (up to
/// <see cref="RecommenderClientOptions.MaxRetryDelay"/>) or else an exponential backoff with jitter. POST is never
/// retried: a rating or batch whose answer was lost may have been stored, an import's body cannot be sent twice, and a
/// retrain asked twice trains twice.
/// </summary>
/// <remarks>
/// <see cref="RecommenderClientRegistration.AddRecommenderClient"/> puts it in front of the client's handlers; build
/// one by hand for a client made without a service collection.
/// </remarks>
public sealed class RecommenderRetryHandler : DelegatingHandler
{
    /// <summary>Set on a request to send it once whatever its method: a health probe's 503 is an answer, not a failure.</summary>
    internal static readonly HttpRequestOptionsKey<bool> NoRetry = new("Recommender.Client.NoRetry");

    private readonly RecommenderClientOptions _options;

    /// <summary>Creates the handler with the retry settings of <paramref name="options"/>.</summary>
    /// <param name="options">The client's options.</param>
    public RecommenderRetryHandler(RecommenderClientOptions options)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
    }

    /// <summary>The wait before a retry; replaced by tests, which record it instead of waiting.</summary>
    internal Func<TimeSpan, CancellationToken, Task> Delay { get; set; } = Task.Delay;

    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!IsRetried(request))
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        for (var attempt = 0; ; attempt++)
        {
            HttpResponseMessage response;
            try
            {
                response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException) when (attempt < _options.MaxRetries && !cancellationToken.IsCancellationRequested)
            {
                await Delay(Backoff(attempt), cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (attempt >= _options.MaxRetries || !IsTransient(response.StatusCode))
            {
                return response;
            }

            var wait = RetryAfter(response) ?? Backoff(attempt);
            if (wait > _options.MaxRetryDelay)
            {
                return response;
            }

            response.Dispose();
            await Delay(wait, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The wait a response's <c>Retry-After</c> asks for (seconds or a date), or null.</summary>
    internal static TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta < TimeSpan.Zero ? TimeSpan.Zero : delta,
        { Date: { } date } => date - DateTimeOffset.UtcNow is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
        _ => null,
    };

    private bool IsRetried(HttpRequestMessage request) =>
        _options.MaxRetries > 0
        && !(request.Options.TryGetValue(NoRetry, out var once) && once)
        && (request.Method == HttpMethod.Get || request.Method == HttpMethod.Head || request.Method == HttpMethod.Put || request.Method == HttpMethod.Delete);

    private static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable;

    /// <summary>RetryDelay × 2^attempt, scaled by a random factor in [0.5, 1.5) so that many clients do not retry in step.</summary>
    private TimeSpan Backoff(int attempt)
    {
        var wait = _options.RetryDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 16)) * (0.5 + Random.Shared.NextDouble());
        return TimeSpan.FromMilliseconds(Math.Min(wait, _options.MaxRetryDelay.TotalMilliseconds));
    }
}
