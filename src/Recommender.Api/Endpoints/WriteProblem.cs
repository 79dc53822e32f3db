using System.Globalization;
using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Recommender.Api.Writes;

namespace Recommender.Api.Endpoints;

/// <summary>
/// The answer to a write that stored nothing: a ProblemDetails that says what happened — 503 with <c>Retry-After</c>
/// while the store is busy or unreachable or the service stops, 507 when the disk is full, 503 when the store cannot be
/// written.
/// Every write endpoint answers its <see cref="WriteFailure"/> with this.
/// </summary>
public sealed class WriteProblem : IResult, IEndpointMetadataProvider, IStatusCodeHttpResult
{
    /// <summary>Seconds a client is asked to wait before retrying a write the store could not take.</summary>
    internal const int RetryAfterSeconds = 1;

    private readonly string _title;
    private readonly string _detail;
    private readonly bool _retry;

    private WriteProblem(int status, string title, string detail, bool retry)
    {
        StatusCode = status;
        _title = title;
        _detail = detail;
        _retry = retry;
    }

    public int? StatusCode { get; }

    public static WriteProblem For(WriteFailure failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return failure.Kind switch
        {
            WriteFailureKind.Invalid => new(StatusCodes.Status400BadRequest, "The request is invalid.", failure.Detail, retry: false),
            WriteFailureKind.ShuttingDown => new(StatusCodes.Status503ServiceUnavailable, "The service is shutting down.", failure.Detail, retry: true),
            WriteFailureKind.StoreBusy => new(StatusCodes.Status503ServiceUnavailable, "The store is busy.", failure.Detail, retry: true),
            WriteFailureKind.StoreFull => new(StatusCodes.Status507InsufficientStorage, "The store's disk is full.", failure.Detail, retry: false),
            WriteFailureKind.StoreUnreachable => new(StatusCodes.Status503ServiceUnavailable, "The store cannot be reached.", failure.Detail, retry: true),
            _ => new(StatusCodes.Status503ServiceUnavailable, "The store is unavailable.", failure.Detail, retry: false),
        };
    }

    public Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        if (_retry)
        {
            httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        }

        return TypedResults.Problem(statusCode: StatusCode, title: _title, detail: _detail).ExecuteAsync(httpContext);
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status503ServiceUnavailable, typeof(ProblemDetails), ["application/problem+json"]));
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status507InsufficientStorage, typeof(ProblemDetails), ["application/problem+json"]));
    }
}
