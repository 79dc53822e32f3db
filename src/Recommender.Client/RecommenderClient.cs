using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Recommender.Client;

/// <summary>
/// A typed client of Recommender.Api: one async method per endpoint, over the service's own contract types
/// (<c>Recommender.Api.Contracts</c>). A response that is not a success throws <see cref="RecommenderApiException"/>
/// with the service's ProblemDetails.
/// </summary>
/// <remarks>
/// Register it with <see cref="RecommenderClientRegistration.AddRecommenderClient"/> and inject it, or make one with
/// <see cref="Create"/>. It is safe to use from many threads at once. Ids in paths are percent-encoded, so any id the
/// service stores (<c>a/b</c>, <c>50%</c>, <c>Back in Black</c>) is addressed as written.
/// </remarks>
public sealed partial class RecommenderClient
{
    /// <summary>The header that carries the API key.</summary>
    public const string ApiKeyHeader = "X-API-Key";

    /// <summary>The service's JSON: camelCase names; nulls are not sent.</summary>
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    private readonly HttpClient _http;

    /// <summary>
    /// Creates a client over <paramref name="httpClient"/>, which must have a base address; its handlers decide retries
    /// and its default headers the API key (as <see cref="RecommenderClientRegistration.AddRecommenderClient"/> and
    /// <see cref="Create"/> set them up).
    /// </summary>
    /// <param name="httpClient">The HTTP client, typically from <c>IHttpClientFactory</c>.</param>
    public RecommenderClient(HttpClient httpClient)
    {
        _http = httpClient ?? throw new ArgumentNullException(nameof(httpClient));
    }

    /// <summary>
    /// Creates a client without a service collection: <see cref="RecommenderRetryHandler"/> in front of
    /// <paramref name="handler"/> (a new <see cref="SocketsHttpHandler"/> when null), with the options' base address,
    /// API key and timeout. Keep it for the application's lifetime rather than one per call.
    /// </summary>
    /// <param name="options">The options; <see cref="RecommenderClientOptions.BaseAddress"/> is required.</param>
    /// <param name="handler">The handler that sends the requests, or null.</param>
    /// <returns>The client.</returns>
    public static RecommenderClient Create(RecommenderClientOptions options, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var http = new HttpClient(new RecommenderRetryHandler(options) { InnerHandler = handler ?? new SocketsHttpHandler() });
        Configure(http, options);
        return new RecommenderClient(http);
    }

    /// <summary>Sets the base address (ending with a slash, so a path base is kept), the API key header and the timeout.</summary>
    internal static void Configure(HttpClient http, RecommenderClientOptions options)
    {
        options.Validate();
        var address = options.BaseAddress!.AbsoluteUri;
        http.BaseAddress = new Uri(address.EndsWith('/') ? address : address + "/");
        http.Timeout = options.Timeout;
        if (!string.IsNullOrEmpty(options.ApiKey))
        {
            http.DefaultRequestHeaders.Remove(ApiKeyHeader);
            http.DefaultRequestHeaders.Add(ApiKeyHeader, options.ApiKey);
        }
    }

    /// <summary>Sends a request and reads its JSON body; throws for a response that is not a success.</summary>
    private async Task<(T Value, HttpStatusCode Status)> SendAsync<T>(HttpMethod method, string uri, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, uri) { Content = content };
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        var value = await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken).ConfigureAwait(false)
            ?? throw new JsonException($"{method} {uri} answered {(int)response.StatusCode} with a null body.");
        return (value, response.StatusCode);
    }

    private async Task<T> GetAsync<T>(string uri, CancellationToken cancellationToken) =>
        (await SendAsync<T>(HttpMethod.Get, uri, null, cancellationToken).ConfigureAwait(false)).Value;

    /// <summary>Sends a request whose success has no body (204).</summary>
    private async Task SendAsync(HttpMethod method, string uri, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, uri);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw await RecommenderApiException.FromResponseAsync(response, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A JSON body of known length, so a retried PUT sends the same bytes again.</summary>
    private static ByteArrayContent JsonBody<T>(T value)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(value, Json));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return content;
    }

    /// <summary>
    /// An id as one path segment: percent-encoded, as the service decodes it. The ids <c>.</c> and <c>..</c> cannot be
    /// addressed (they are dot segments of every path) and the service refuses to store them.
    /// </summary>
    private static string Segment(string id, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(id, name);
        if (id is "." or "..")
        {
            throw new ArgumentException($"The {name} '{id}' cannot be addressed in a path, and the service stores no such id.", name);
        }

        return Uri.EscapeDataString(id);
    }

    /// <summary>A path and its query: each given parameter percent-encoded, absent ones left to the service's defaults.</summary>
    private static string WithQuery(string path, params (string Name, object? Value)[] parameters)
    {
        var query = string.Join("&", parameters
            .Where(p => p.Value is not null)
            .Select(p => $"{p.Name}={Uri.EscapeDataString(Convert.ToString(p.Value, CultureInfo.InvariantCulture)!)}"));
        return query.Length == 0 ? path : $"{path}?{query}";
    }
}
