using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Recommender.Api.Contracts;
using Recommender.Core.Data;
using Recommender.Data;

namespace Recommender.Api.Endpoints;

/// <summary><c>POST /api/items/import</c>: an item catalogue streamed into the store in one transaction.</summary>
public static partial class ItemEndpoints
{
    public static async Task<Results<Ok<ItemImportResponse>, ValidationProblem>> ImportItems(
        HttpRequest request,
        RecommenderDbContext db,
        TimeProvider time,
        CancellationToken cancellationToken,
        [AllowedValues("auto", "true", "false")] string header = "auto")
    {
        if (header is not ("auto" or "true" or "false"))
        {
            return Invalid($"header must be auto, true or false, not '{header}'.", "header");
        }

        bool? hasHeader = header == "auto" ? null : header == "true";

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var imported = 0L;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            ItemUpserter? upserter = null;
            try
            {
                using var reader = new StreamReader(request.Body, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
                await foreach (var record in ItemFileReader.ReadRecordsAsync(reader, hasHeader, cancellationToken))
                {
                    var metadata = record.Extra.Count == 0 ? null : Metadata(record.Extra);
                    if (RecordProblem(record, metadata) is { } problem)
                    {
                        return Invalid($"Line {record.Line}: {problem} Nothing was imported.");
                    }

                    // The first line fixes the columns of every line, so it decides whether metadata is written.
                    upserter ??= ItemUpserter.Create(db, time.GetUtcNow().ToUnixTimeMilliseconds(), setsMetadata: metadata is not null);
                    await upserter.UpsertAsync(record.ItemId, record.Name, metadata, cancellationToken);
                    imported++;
                }

                if (upserter is not null)
                {
                    await upserter.FlushAsync(cancellationToken);
                }
            }
            catch (ItemFormatException e)
            {
                return Invalid($"{e.Message} Nothing was imported.");
            }
            finally
            {
                if (upserter is not null)
                {
                    await upserter.DisposeAsync();
                }
            }

            if (imported == 0)
            {
                return Invalid("The body holds no items.");
            }

            await transaction.CommitAsync(cancellationToken);
        }

        return TypedResults.Ok(new ItemImportResponse { Imported = imported, Seconds = clock.Elapsed.TotalSeconds });
    }

    /// <summary>The further columns as one JSON object of strings, e.g. <c>{"genres":"Adventure|Animation"}</c>.</summary>
    private static string Metadata(IReadOnlyList<KeyValuePair<string, string>> extra)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            foreach (var (name, value) in extra)
            {
                json.WriteString(name, value);
            }

            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static string? RecordProblem(ItemRecord record, string? metadata)
    {
        if (Validation.IdProblem(record.ItemId) is { } idProblem)
        {
            return $"the item id {idProblem}";
        }

        if (record.Name is { } name && (name.Length > MaxNameLength || name.Any(char.IsControl)))
        {
            return $"the name must be at most {MaxNameLength} characters without control characters.";
        }

        return metadata is { Length: > MaxMetadataLength } ? $"the further columns make more than {MaxMetadataLength} characters of JSON metadata." : null;
    }

    private static ValidationProblem Invalid(string message, string field = "body") =>
        Validation.Invalid(new Dictionary<string, string[]> { [field] = [message] });
}
