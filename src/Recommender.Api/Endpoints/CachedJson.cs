using System.Buffers;
using Recommender.Api.Training;

namespace Recommender.Api.Endpoints;

/// <summary>
/// A 200 whose JSON body was serialized earlier (see <see cref="ResponseCache"/>): the same bytes, status and content
/// type as <c>TypedResults.Ok</c> of the response it was made from, written with a known length. It declares nothing
/// to OpenAPI; the endpoint's <c>Ok&lt;T&gt;</c> documents the body. Nothing is awaited: a client that has gone costs
/// no exception (a cancelled write used to log a 500 for every connection a load generator closed mid-request).
/// </summary>
public sealed class CachedJson(byte[] body) : IResult
{
    public Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = body.Length;
        // Copied into the response's buffer, not flushed: the server sends headers and body together when the request ends.
        response.BodyWriter.Write(body);
        return Task.CompletedTask;
    }
}
