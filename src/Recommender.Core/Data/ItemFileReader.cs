namespace Recommender.Core.Data;

/// <summary>One item of a catalogue file: its id, its name (null when the field is empty) and its other columns.</summary>
/// <param name="ItemId">The first field.</param>
/// <param name="Name">The second field, or null when it is empty.</param>
/// <param name="Extra">The third and later fields, named by the header (or <c>column3</c>, <c>column4</c>, … without one).</param>
/// <param name="Line">1-based line number.</param>
public sealed record ItemRecord(string ItemId, string? Name, IReadOnlyList<KeyValuePair<string, string>> Extra, long Line);

/// <summary>A malformed line of an item catalogue.</summary>
public sealed class ItemFormatException(long line, string problem) : FormatException($"Line {line}: {problem}")
{
    /// <summary>1-based line number.</summary>
    public long Line { get; } = line;
}

/// <summary>
/// Streams an item catalogue: CSV lines <c>itemId,name[,more…]</c> with RFC 4180 quotes, such as MovieLens
/// <c>movies.csv</c> (<c>movieId,title,genres</c>). Every line has as many fields as the first. Blank lines are
/// skipped; any other malformed line throws <see cref="ItemFormatException"/> with its line number.
/// </summary>
public static class ItemFileReader
{
    private static readonly HashSet<string> IdHeaders = new(StringComparer.OrdinalIgnoreCase) { "itemId", "item_id", "item", "movieId", "movie_id", "id" };

    /// <summary>
    /// Reads every item, line by line as the text arrives (for request bodies). With <paramref name="header"/> null,
    /// the first line is a header when its first field is <c>itemId</c>, <c>item_id</c>, <c>item</c>, <c>movieId</c>,
    /// <c>movie_id</c> or <c>id</c> (any case).
    /// </summary>
    public static async IAsyncEnumerable<ItemRecord> ReadRecordsAsync(
        TextReader reader,
        bool? header = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        string[]? columns = null;
        long lineNumber = 0;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var fields = CsvLine.Split(line.AsSpan().TrimEnd('\r'), out var problem) ?? throw new ItemFormatException(lineNumber, problem!);
            if (columns is null)
            {
                if (fields.Count < 2)
                {
                    throw new ItemFormatException(lineNumber, $"expected at least 2 fields (itemId, name[, more]) but found {fields.Count}.");
                }

                var isHeader = header ?? IdHeaders.Contains(fields[0]);
                columns = Columns(fields, isHeader, lineNumber);
                if (isHeader)
                {
                    continue;
                }
            }

            if (fields.Count != columns.Length)
            {
                throw new ItemFormatException(lineNumber, $"expected {columns.Length} fields like the first line but found {fields.Count}.");
            }

            if (fields[0].Length == 0)
            {
                throw new ItemFormatException(lineNumber, "the item id is empty.");
            }

            var extra = new KeyValuePair<string, string>[fields.Count - 2];
            for (var n = 2; n < fields.Count; n++)
            {
                extra[n - 2] = new(columns[n], fields[n]);
            }

            yield return new ItemRecord(fields[0], fields[1].Length == 0 ? null : fields[1], extra, lineNumber);
        }
    }

    /// <summary>The column names: the header's, or <c>itemId</c>, <c>name</c>, <c>column3</c>, … without one.</summary>
    private static string[] Columns(List<string> first, bool isHeader, long lineNumber)
    {
        var columns = Enumerable.Range(1, first.Count).Select(n => n switch { 1 => "itemId", 2 => "name", _ => $"column{n}" }).ToArray();
        if (!isHeader)
        {
            return columns;
        }

        for (var n = 2; n < first.Count; n++)
        {
            if (first[n].Length == 0 || first.Skip(2).Take(n - 2).Contains(first[n], StringComparer.Ordinal))
            {
                throw new ItemFormatException(lineNumber, $"header column {n + 1} must have a name of its own, not '{first[n]}'.");
            }

            columns[n] = first[n];
        }

        return columns;
    }
}
