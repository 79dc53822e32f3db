using Recommender.Core.Data;
using Recommender.Data;

namespace Recommender.Api.Writes;

public sealed partial class RatingWriter
{
    /// <summary>
    /// Stores every rating of a rating file in one transaction, all or nothing; a repeated (user, item) pair keeps its last
    /// value. <paramref name="check"/> says what is wrong with a record, or null; the first bad line stores nothing.
    /// </summary>
    public async Task<WriteResult<ImportCounts>> ImportAsync(
        TextReader body, RatingFileFormat format, Func<RatingRecord, string?> check, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var imported = 0L;
        var users = new HashSet<string>(StringComparer.Ordinal);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var cache = await db.UseLargePageCacheAsync(cancellationToken);
        var result = await CommitAsync(db, async (version, token) =>
        {
            using var upserter = RatingUpserter.Create(db, now, version);
            try
            {
                await foreach (var record in RatingFileReader.ReadRecordsAsync(body, format, token))
                {
                    if (check(record) is { } problem)
                    {
                        return Rejected($"Line {record.Line}: {problem} Nothing was imported.");
                    }

                    // A MovieLens timestamp is in Unix seconds.
                    upserter.Upsert(record.UserId, record.ItemId, record.Rating, record.Timestamp * 1000 ?? now, reportCreated: false);
                    users.Add(record.UserId);
                    imported++;
                }
            }
            catch (RatingFormatException e)
            {
                return Rejected($"{e.Message} Nothing was imported.");
            }

            return imported == 0
                ? Rejected("The body holds no ratings.")
                : new Change<WriteResult<ImportCounts>>(new ImportCounts(imported, users.Count), Changed: users);
        }, cancellationToken);
        return result.Failure is { } failure ? failure : result.Value;
    }

    private static Change<WriteResult<ImportCounts>> Rejected(string detail) =>
        new(new WriteFailure(WriteFailureKind.Invalid, detail), Commit: false);
}
