using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Recommender.Api.Contracts;
using Recommender.Api.Options;
using Recommender.Api.Training;
using Recommender.Core.Data;
using Recommender.Data;

namespace Recommender.Api.Endpoints;

/// <summary><c>POST /api/ratings/import</c>: a rating file streamed into the store in one transaction.</summary>
public static partial class RatingEndpoints
{
    /// <summary>The latest Unix time in seconds an import accepts (year 5138): later values are not seconds.</summary>
    private const long MaxUnixSeconds = 100_000_000_000;

    public static async Task<Results<Ok<RatingImportResponse>, ValidationProblem>> ImportRatings(
        HttpRequest request,
        RecommenderDbContext db,
        IOptions<RatingsOptions> options,
        FreshUsers freshUsers,
        TrainingTrigger trigger,
        TimeProvider time,
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
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var imported = 0L;
        var users = new HashSet<string>(StringComparer.Ordinal);
        if (db.Database.IsSqlite())
        {
            // A large import inserts all over the primary-key B-tree; a 256 MB page cache (instead of 2 MB) keeps it in memory.
            await db.Database.OpenConnectionAsync(cancellationToken);
            await db.Database.ExecuteSqlRawAsync("PRAGMA cache_size = -262144;", cancellationToken);
        }

        try
        {
            await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
            {
                using var upserter = RatingUpserter.Create(db, now, await db.BumpDataVersionAsync(cancellationToken));
                using var reader = new StreamReader(request.Body, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
                try
                {
                    await foreach (var record in RatingFileReader.ReadRecordsAsync(reader, fileFormat, cancellationToken))
                    {
                        if (RecordProblem(record, settings) is { } problem)
                        {
                            return Invalid("body", $"Line {record.Line}: {problem} Nothing was imported.");
                        }

                        // A MovieLens timestamp is in Unix seconds.
                        upserter.Upsert(record.UserId, record.ItemId, record.Rating, record.Timestamp * 1000 ?? now, reportCreated: false);
                        users.Add(record.UserId);
                        imported++;
                    }
                }
                catch (RatingFormatException e)
                {
                    return Invalid("body", $"{e.Message} Nothing was imported.");
                }

                if (imported == 0)
                {
                    return Invalid("body", "The body holds no ratings.");
                }

                upserter.Dispose();
                await transaction.CommitAsync(cancellationToken);
            }
        }
        finally
        {
            if (db.Database.IsSqlite())
            {
                await db.Database.ExecuteSqlRawAsync("PRAGMA cache_size = -2000;", CancellationToken.None);
            }
        }

        freshUsers.MarkChanged(users);
        trigger.RatingsChanged();
        return TypedResults.Ok(new RatingImportResponse { Imported = imported, Users = users.Count, Seconds = clock.Elapsed.TotalSeconds });
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
