namespace Recommender.Api.Tests.Contract;

/// <summary>A response that the service's own OpenAPI document does not allow.</summary>
public sealed class ContractViolationException(string message) : Exception(message);

/// <summary>
/// Checks every response against the OpenAPI document of the service that sent it (<see cref="OpenApiContract"/>) and
/// throws <see cref="ContractViolationException"/> — failing the test that sent the request — for an undocumented status
/// or content type, or a JSON body that does not match its schema. Responses to requests the document has no operation
/// for (static files, Swagger UI, health probes, unknown routes) and to HEAD pass unchecked.
/// </summary>
internal sealed class ContractCheckingHandler(Func<Task<OpenApiContract>> contract) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (request.Method == HttpMethod.Head || request.RequestUri is not { } uri)
        {
            return response;
        }

        var document = await contract();
        if (document.FindOperation(request.Method.Method, uri.AbsolutePath) is not { } operation)
        {
            return response;
        }

        await response.Content.LoadIntoBufferAsync(cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (document.Check(operation, response.StatusCode, mediaType, body) is { } violation)
        {
            var text = System.Text.Encoding.UTF8.GetString(body);
            throw new ContractViolationException(
                $"{operation} answered {(int)response.StatusCode} against the OpenAPI document: {violation}\n" +
                $"  request: {request.Method} {uri.PathAndQuery}\n  body: {(text.Length > 600 ? text[..600] + "…" : text)}");
        }

        return response;
    }
}

/// <summary>
/// Hands each request to another <see cref="HttpClient"/> — the one the factory made, for TestServer or Kestrel — so a
/// checking handler can sit in front of any client. A request message is sent once, so a copy goes on.
/// </summary>
internal sealed class ForwardingHandler(HttpClient inner) : HttpMessageHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var copy = new HttpRequestMessage(request.Method, request.RequestUri)
        {
            Content = request.Content,
            Version = request.Version,
            VersionPolicy = request.VersionPolicy,
        };
        foreach (var (name, values) in request.Headers)
        {
            copy.Headers.TryAddWithoutValidation(name, values);
        }

        foreach (var (name, value) in request.Options)
        {
            ((IDictionary<string, object?>)copy.Options)[name] = value;
        }

        return inner.SendAsync(copy, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
