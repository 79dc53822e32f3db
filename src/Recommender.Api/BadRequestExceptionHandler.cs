using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Recommender.Api;

/// <summary>
/// Turns request-binding failures (malformed JSON, a wrong type, a body too large) into a ProblemDetails that names the
/// problem — a 400 names the field in <c>errors</c> (<see cref="BindingProblems"/>); any other exception becomes a 500
/// without its message.
/// </summary>
internal sealed class BadRequestExceptionHandler(IProblemDetailsService problemDetails) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException badRequest)
        {
            return false;
        }

        httpContext.Response.StatusCode = badRequest.StatusCode;
        ProblemDetails problem;
        if (badRequest.StatusCode == StatusCodes.Status400BadRequest)
        {
            // A validation problem like every other 400: errors names the field, detail says the same in one line.
            var (field, message) = badRequest.InnerException is JsonException { InnerException: { } inner } json && IsBadText(inner)
                ? (json.Path is null or "$" ? "body" : json.Path.TrimStart('$', '.'), $"The request body is not valid text at {json.Path ?? "$"}: {inner.Message} JSON must be UTF-8 without unpaired surrogates.")
                : BindingProblems.Describe(badRequest, httpContext.Features.Get<IExceptionHandlerFeature>()?.Endpoint);
            problem = new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
            {
                Status = badRequest.StatusCode,
                Title = "The request is malformed.",
                Detail = message,
            };
        }
        else
        {
            problem = new ProblemDetails
            {
                Status = badRequest.StatusCode,
                Title = badRequest.StatusCode == StatusCodes.Status413PayloadTooLarge ? "The request body is too large." : "The request is malformed.",
                Detail = badRequest.Message,
            };
        }

        return await problemDetails.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, Exception = exception, ProblemDetails = problem });
    }

    /// <summary>Invalid UTF-8 bytes or an unpaired UTF-16 surrogate escape, which System.Text.Json reports as a conversion failure.</summary>
    private static bool IsBadText(Exception inner) =>
        inner is DecoderFallbackException || inner is InvalidOperationException { InnerException: DecoderFallbackException }
        || inner is InvalidOperationException && inner.Message.Contains("UTF-", StringComparison.Ordinal);
}
