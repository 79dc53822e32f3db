using System.Net;
using System.Text.Json;

namespace Recommender.Client;

/// <summary>
/// A response the service refused or failed: the RFC 9457 ProblemDetails it sent — status, title, detail, type and,
/// for a 400, the problems of each field — or, when the body was not a ProblemDetails, the raw body.
/// </summary>
public sealed class RecommenderApiException : Exception
{
    /// <summary>Creates the exception for a refused response.</summary>
    /// <param name="status">The HTTP status of the response.</param>
    /// <param name="title">The problem's title, or null.</param>
    /// <param name="detail">The problem's detail, or null.</param>
    /// <param name="type">The problem's type URI, or null.</param>
    /// <param name="errors">The problems of each field (a validation problem's <c>errors</c>); empty for other problems.</param>
    /// <param name="rawBody">The body when it was not a ProblemDetails, else null.</param>
    /// <param name="retryAfter">The wait the service asked for (<c>Retry-After</c>), or null.</param>
    public RecommenderApiException(
        HttpStatusCode status, string? title, string? detail, string? type, IReadOnlyDictionary<string, string[]> errors, string? rawBody, TimeSpan? retryAfter)
        : base(Describe(status, title, detail, errors, rawBody))
    {
        Status = status;
        Title = title;
        Detail = detail;
        Type = type;
        Errors = errors ?? throw new ArgumentNullException(nameof(errors));
        RawBody = rawBody;
        RetryAfter = retryAfter;
    }

    /// <summary>The HTTP status of the response, such as 400, 404 or 503.</summary>
    public HttpStatusCode Status { get; }

    /// <summary>The problem's title, such as "Unknown user."; null when the body was not a ProblemDetails.</summary>
    public string? Title { get; }

    /// <summary>The problem's detail: what happened to this request.</summary>
    public string? Detail { get; }

    /// <summary>The problem's type URI.</summary>
    public string? Type { get; }

    /// <summary>The problems of each field of a 400 (<c>errors</c> of the validation problem), keyed by field name; empty otherwise.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; }

    /// <summary>The response body when it was not a ProblemDetails (a proxy's page, say); null when it was.</summary>
    public string? RawBody { get; }

    /// <summary>How long the service asked the caller to wait before trying again (<c>Retry-After</c>), or null.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>Reads a refused response into an exception; the response is not disposed.</summary>
    internal static async Task<RecommenderApiException> FromResponseAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var retryAfter = RecommenderRetryHandler.RetryAfter(response);
        var empty = new Dictionary<string, string[]>();
        if (!LooksLikeJson(response, body))
        {
            return new(response.StatusCode, null, null, null, empty, body, retryAfter);
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !(root.TryGetProperty("title", out _) || root.TryGetProperty("status", out _)))
            {
                return new(response.StatusCode, null, null, null, empty, body, retryAfter);
            }

            return new(response.StatusCode, Text(root, "title"), Text(root, "detail"), Text(root, "type"), FieldErrors(root), null, retryAfter);
        }
        catch (JsonException)
        {
            return new(response.StatusCode, null, null, null, empty, body, retryAfter);
        }
    }

    private static bool LooksLikeJson(HttpResponseMessage response, string body) =>
        response.Content.Headers.ContentType?.MediaType is { } mediaType
            ? mediaType.EndsWith("json", StringComparison.OrdinalIgnoreCase)
            : body.TrimStart().StartsWith('{');

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static Dictionary<string, string[]> FieldErrors(JsonElement root)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (root.TryGetProperty("errors", out var fields) && fields.ValueKind == JsonValueKind.Object)
        {
            foreach (var field in fields.EnumerateObject())
            {
                errors[field.Name] = field.Value.ValueKind == JsonValueKind.Array
                    ? [.. field.Value.EnumerateArray().Select(m => m.ValueKind == JsonValueKind.String ? m.GetString() ?? "" : m.GetRawText())]
                    : [field.Value.ToString()];
            }
        }

        return errors;
    }

    private static string Describe(HttpStatusCode status, string? title, string? detail, IReadOnlyDictionary<string, string[]>? errors, string? rawBody)
    {
        var text = $"The service answered {(int)status}";
        text += title is null ? "." : $": {title}";
        if (detail is not null)
        {
            text += $" {detail}";
        }

        if (errors is { Count: > 0 })
        {
            text += " " + string.Join(" ", errors.SelectMany(e => e.Value.Select(m => $"[{e.Key}] {m}")));
        }

        if (title is null && !string.IsNullOrWhiteSpace(rawBody))
        {
            text += $" Body: {(rawBody.Length > 300 ? rawBody[..300] + "…" : rawBody)}";
        }

        return text;
    }
}
