using Recommender.Api.Training;

namespace Recommender.Api.Endpoints;

/// <summary>
/// A 200 whose JSON body was serialized earlier (see <see cref="ResponseCache"/>): the same bytes, status and content
/// type as <c>TypedResults.Ok</c> of the response it was made from, written with a known length. It declares nothing
/// to OpenAPI; the endpoint's <c>Ok&lt;T&gt;</c> documents the body.
/// </summary>
public sealed class CachedJson(byte[] body) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = body.Length;
        await response.BodyWriter.WriteAsync(body, httpContext.RequestAborted);
    }
}
