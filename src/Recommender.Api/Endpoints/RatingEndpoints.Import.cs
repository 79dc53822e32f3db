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
        ImportTracker imports,
        IOptions<RatingsOptions> options,
        IOptions<LimitsOptions> limits,
        CancellationToken cancellationToken,
        [AllowedValues("auto", "csv", "tab", "dat")] string format = "auto",
        string? id = null)
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

        if (id is not null && Validation.IdProblem(id) is not null)
        {
            return Validation.InvalidId("id", id);
        }

        if (imports.Start(id) is not { } progress)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "An import with this id is running.",
                detail: $"The import '{id}' is still running; give this one another id, or none.");
        }

        string? failure = "The request ended before the import did; nothing was imported.";
        try
        {
            var (answer, problem) = await ImportBodyAsync(request, writer, progress, settings, limits.Value, fileFormat, cancellationToken);
            failure = problem;
            return answer;
        }
        finally
        {
            progress.End(failure);
        }
    }

    private static async Task<(Results<Ok<RatingImportResponse>, ValidationProblem, WriteProblem, ProblemHttpResult> Answer, string? Failure)> ImportBodyAsync(
        HttpRequest request, RatingWriter writer, ImportRun progress, RatingsOptions settings, LimitsOptions limits, RatingFileFormat fileFormat, CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var idleTimeout = limits.ImportIdleTimeout;
        await using var body = new IdleBody(request.Body, idleTimeout);
        using var importing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, body.Stalled);
        using var text = new StreamReader(body, StrictUtf8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        WriteResult<ImportCounts> result;
        try
        {
            result = await writer.ImportAsync(text, fileFormat, record => RecordProblem(record, settings), progress, importing.Token);
        }
        catch (OperationCanceledException) when (body.Stalled.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            var stalled = $"No part of the body arrived for Limits:ImportIdleTimeout ({idleTimeout}); nothing was imported.";
            return (TypedResults.Problem(statusCode: StatusCodes.Status408RequestTimeout, title: "The request body stopped arriving.", detail: stalled), stalled);
        }

        return result.Failure switch
        {
            { Kind: WriteFailureKind.Invalid } invalid => (Invalid("body", invalid.Detail), invalid.Detail),
            { } failure => (WriteProblem.For(failure), failure.Detail),
            null => (TypedResults.Ok(new RatingImportResponse
            {
                Id = progress.Id,
                Imported = result.Value.Imported,
                Users = result.Value.Users,
                Seconds = clock.Elapsed.TotalSeconds,
            }), null),
        };
    }

    public static Ok<ImportListResponse> GetImports(ImportTracker imports) =>
        TypedResults.Ok(new ImportListResponse { Imports = [.. imports.List().Select(ToResponse)] });

    public static Results<Ok<ImportProgressResponse>, ProblemHttpResult, ValidationProblem> GetImport(string id, ImportTracker imports)
    {
        if (Validation.IdProblem(id) is not null)
        {
            return Validation.InvalidId("id", id);
        }

        return imports.Find(id) is { } run
            ? TypedResults.Ok(ToResponse(run))
            : TypedResults.Problem(
                statusCode: StatusCodes.Status404NotFound,
                title: "Unknown import.",
                detail: $"No import '{id}' is running on this node or among the last {ImportTracker.Kept} that ended here.");
    }

    private static ImportProgressResponse ToResponse(ImportRun run)
    {
        var elapsed = run.Elapsed;
        return new ImportProgressResponse
        {
            Id = run.Id,
            State = run.State,
            Ratings = run.Ratings,
            RatingsPerSecond = Math.Round(run.RatingsPerSecond),
            Users = run.Users,
            StartedAt = run.StartedAt,
            Seconds = Math.Round(elapsed.TotalSeconds, 3),
            Detail = run.Detail,
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
