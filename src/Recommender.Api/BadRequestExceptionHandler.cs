using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Recommender.Api;

/// <summary>
/// Turns request-binding failures (malformed JSON, a wrong type, a body too large) into a ProblemDetails that names the
/// problem; any other exception becomes a 500 without its message.
/// </summary>
internal sealed class BadRequestExceptionHandler(IProblemDetailsService problemDetails) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException badRequest)
        {
            return false;
        }

        var detail = badRequest.InnerException is JsonException json
            ? json.InnerException is { } inner && IsBadText(inner)
                ? $"The request body is not valid text at {json.Path ?? "$"}: {inner.Message} JSON must be UTF-8 without unpaired surrogates."
                : $"The request body is not valid JSON for this endpoint: {json.Message}"
            : badRequest.Message;
        httpContext.Response.StatusCode = badRequest.StatusCode;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = badRequest.StatusCode,
                Title = badRequest.StatusCode == StatusCodes.Status413PayloadTooLarge ? "The request body is too large." : "The request is malformed.",
                Detail = detail,
            },
        });
    }

    /// <summary>Invalid UTF-8 bytes or an unpaired UTF-16 surrogate escape, which System.Text.Json reports as a conversion failure.</summary>
    private static bool IsBadText(Exception inner) =>
        inner is DecoderFallbackException || inner is InvalidOperationException { InnerException: DecoderFallbackException }
        || inner is InvalidOperationException && inner.Message.Contains("UTF-", StringComparison.Ordinal);
}
