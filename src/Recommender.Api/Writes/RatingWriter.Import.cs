using Recommender.Core.Data;
using Recommender.Data;

namespace Recommender.Api.Writes;

public sealed partial class RatingWriter
{
    /// <summary>
    /// Stores every rating of a rating file in one transaction, all or nothing; a repeated (user, item) pair keeps its last
    /// value. <paramref name="check"/> says what is wrong with a record, or null; the first bad line stores nothing.
    /// </summary>
    /// <remarks>
    /// Two phases. Staging reads, parses and checks the whole body into a temporary table (<see cref="RatingStaging"/>)
    /// without locking the store, so other writes go on while a large or slow body arrives; it lasts as long as the body
    /// does. Applying takes the write lock and copies the staged ratings in primary-key order, for at most
    /// Limits:ImportApplyTimeout: past it the statement is interrupted, the transaction rolls back and nothing is stored.
    /// </remarks>
    public async Task<WriteResult<ImportCounts>> ImportAsync(
        TextReader body, RatingFileFormat format, Func<RatingRecord, string?> check, ImportRun progress, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var result = await RunAsync(db => ImportAsync(db, body, format, check, progress, cancellationToken), cancellationToken);
        Measure("import", started, result.Failure is null ? result.Value.Imported : 0);
        return result;
    }

    private async Task<WriteResult<ImportCounts>> ImportAsync(
        RecommenderDbContext db, TextReader body, RatingFileFormat format, Func<RatingRecord, string?> check, ImportRun progress, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await using var staging = await RatingStaging.CreateAsync(db, limits.Value.ImportMemoryBytes, cancellationToken);
        var line = 0L;
        var logged = clock.Elapsed;
        try
        {
            await foreach (var record in RatingFileReader.ReadRecordsAsync(body, format, cancellationToken))
            {
                line = record.Line;
                if (check(record) is { } problem)
                {
                    return Rejected($"Line {record.Line}: {problem} Nothing was imported.");
                }

                // A MovieLens timestamp is in Unix seconds.
                await staging.AddAsync(record.UserId, record.ItemId, record.Rating, record.Timestamp * 1000 ?? now, cancellationToken);
                if ((staging.Added & 0x3FFF) == 0)
                {
                    progress.Read(staging.Added);
                    if (clock.Elapsed - logged >= ProgressLogInterval)
                    {
                        logged = clock.Elapsed;
                        logger.LogInformation(
                            "Import {ImportId}: {Ratings} ratings read and checked in {Seconds:F0} s ({RatingsPerSecond:F0} a second)",
                            progress.Id, staging.Added, logged.TotalSeconds, progress.RatingsPerSecond);
                    }
                }
            }
        }
        catch (RatingFormatException e)
        {
            return Rejected($"{e.Message} Nothing was imported.");
        }
        catch (System.Text.DecoderFallbackException)
        {
            // The body is decoded a buffer ahead of the line being parsed, so the bad bytes are somewhere after this line.
            return Rejected($"The body is not valid UTF-8: invalid bytes follow line {line}. Nothing was imported.");
        }

        if (staging.Added == 0)
        {
            return Rejected("The body holds no ratings.");
        }

        progress.Read(staging.Added);
        var counts = new ImportCounts(staging.Added, await staging.CompleteAsync(cancellationToken));
        var staged = clock.Elapsed;
        progress.Applying(counts.Users);
        var applyTimeout = limits.Value.ImportApplyTimeout;
        using var apply = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (applyTimeout > TimeSpan.Zero)
        {
            apply.CancelAfter(applyTimeout);
        }

        try
        {
            var result = await CommitAsync(
                db,
                async (version, token) =>
                {
                    await staging.ApplyAsync(now, version, token);
                    return new Change<ImportCounts>(counts, Changed: staging.UserIds());
                },
                apply.Token);
            logger.LogInformation(
                "Import {ImportId}: {Ratings} ratings of {Users} users, read and staged in {StageSeconds:F2} s, then applied holding the write lock for {ApplySeconds:F2} s",
                progress.Id, counts.Imported, counts.Users, staged.TotalSeconds, (clock.Elapsed - staged).TotalSeconds);
            return result;
        }
        catch (Exception) when (apply.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new WriteFailure(
                WriteFailureKind.StoreBusy,
                $"Applying the {counts.Imported} staged ratings took longer than Limits:ImportApplyTimeout ({applyTimeout}); nothing was imported.");
        }
    }

    /// <summary>How often a running import logs how far it got.</summary>
    private static readonly TimeSpan ProgressLogInterval = TimeSpan.FromSeconds(10);

    private static WriteFailure Rejected(string detail) => new(WriteFailureKind.Invalid, detail);
}
