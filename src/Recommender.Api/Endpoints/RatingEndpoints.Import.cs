using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Recommender.Api.Contracts;
using Recommender.Api.Options;
using Recommender.Api.Security;
using Recommender.Api.Writes;
using Recommender.Core.Data;

namespace Recommender.Api.Endpoints;

/// <summary><c>POST /api/ratings/import</c>: a rating file streamed into the store in one transaction.</summary>
public static partial class RatingEndpoints
{
    /// <summary>UTF-8 that throws on invalid bytes instead of turning them into U+FFFD, so no id is stored mangled.</summary>
    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The latest Unix time in seconds an import accepts (year 5138): later values are not seconds.</summary>
    private const long MaxUnixSeconds = 100_000_000_000;

    public static async Task<Results<Ok<RatingImportResponse>, ValidationProblem, WriteProblem, ProblemHttpResult>> ImportRatings(
        HttpRequest request,
        RatingWriter writer,
        IOptions<RatingsOptions> options,
        IOptions<LimitsOptions> limits,
        CancellationToken cancellationToken,
        [AllowedValues("auto", "csv", "tab", "dat")] string format = "auto")
    {
        var settings = options.Value;
        RatingFileFormat fileFormat;
        switch (format)
        {
            case "auto": fileFormat = RatingFileFormat.Auto; break;
            case "csv": fileFormat = RatingFileFormat.Csv; break;
            case "tab": fileFormat = RatingFileFormat.Tab; break;
            case "dat": fileFormat = RatingFileFormat.DoubleColon; break;
            default: return Invalid("format", $"format must be auto, csv, tab or dat, not '{format}'.");
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var idleTimeout = limits.Value.ImportIdleTimeout;
        await using var body = new IdleBody(request.Body, idleTimeout);
        using var importing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, body.Stalled);
        using var text = new StreamReader(body, StrictUtf8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        WriteResult<ImportCounts> result;
        try
        {
            result = await writer.ImportAsync(text, fileFormat, record => RecordProblem(record, settings), importing.Token);
        }
        catch (OperationCanceledException) when (body.Stalled.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status408RequestTimeout,
                title: "The request body stopped arriving.",
                detail: $"No part of the body arrived for Limits:ImportIdleTimeout ({idleTimeout}); nothing was imported.");
        }

        return result.Failure switch
        {
            { Kind: WriteFailureKind.Invalid } invalid => Invalid("body", invalid.Detail),
            { } failure => WriteProblem.For(failure),
            null => TypedResults.Ok(new RatingImportResponse { Imported = result.Value.Imported, Users = result.Value.Users, Seconds = clock.Elapsed.TotalSeconds }),
        };
    }

    private static string? RecordProblem(RatingRecord record, RatingsOptions options)
    {
        if (Validation.IdProblem(record.UserId) is { } userProblem)
        {
            return $"the user id {userProblem}";
        }

        if (Validation.IdProblem(record.ItemId) is { } itemProblem)
        {
            return $"the item id {itemProblem}";
        }

        if (record.Timestamp is < 0 or > MaxUnixSeconds)
        {
            return $"the timestamp {record.Timestamp} is not a Unix time in seconds.";
        }

        return record.Rating < options.Min || record.Rating > options.Max
            ? $"the rating {record.Rating} is outside {options.Min}..{options.Max}."
            : null;
    }

    private static ValidationProblem Invalid(string field, string message) =>
        Validation.Invalid(new Dictionary<string, string[]> { [field] = [message] });
}
