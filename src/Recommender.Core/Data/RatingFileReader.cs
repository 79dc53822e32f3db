using System.Globalization;

namespace Recommender.Core.Data;

/// <summary>
/// Streams ratings from MovieLens <c>u.data</c> (tab), <c>ratings.dat</c> (<c>::</c>), <c>ratings.csv</c> (header) and
/// generic <c>user,item,rating[,timestamp]</c> CSV with or without a header. A header is recognised when the first
/// line's rating field is not a number. Blank lines are skipped; any other malformed line, and a line longer than
/// <see cref="MaxLineLength"/>, throws <see cref="RatingFormatException"/> with its line number.
/// </summary>
public static partial class RatingFileReader
{
    /// <summary>Reads a file into a new dataset.</summary>
    public static RatingDataset ReadFile(string path, RatingFileFormat format = RatingFileFormat.Auto)
    {
        using var reader = new StreamReader(path, detectEncodingFromByteOrderMarks: true);
        var builder = new RatingDatasetBuilder(capacity: 1 << 16);
        ReadInto(reader, builder, format);
        return builder.Build();
    }

    /// <summary>Reads every rating from <paramref name="reader"/> into <paramref name="builder"/>; returns the count.</summary>
    public static long ReadInto(TextReader reader, RatingDatasetBuilder builder, RatingFileFormat format = RatingFileFormat.Auto)
    {
        ArgumentNullException.ThrowIfNull(builder);
        long count = 0;
        Parse(reader, format, (user, item, rating, _) =>
        {
            builder.Add(builder.Users.GetOrAdd(user), builder.Items.GetOrAdd(item), rating);
            count++;
        });
        return count;
    }

    /// <summary>Reads every rating as a <see cref="RatingRecord"/>.</summary>
    public static IEnumerable<RatingRecord> ReadRecords(TextReader reader, RatingFileFormat format = RatingFileFormat.Auto)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var detected = format;
        var lines = new LineReader(reader);
        while (lines.TryReadLine(out var line))
        {
            if (TryParse(line.Span, lines.LineNumber, ref detected, out var record))
            {
                yield return record;
            }
        }
    }

    /// <summary>Reads every rating as a <see cref="RatingRecord"/>, reading lines asynchronously (for request bodies).</summary>
    public static async IAsyncEnumerable<RatingRecord> ReadRecordsAsync(
        TextReader reader,
        RatingFileFormat format = RatingFileFormat.Auto,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var detected = format;
        var lines = new LineReader(reader);
        while (await lines.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (TryParse(line.Span, lines.LineNumber, ref detected, out var record))
            {
                yield return record;
            }
        }
    }

    private static bool TryParse(ReadOnlySpan<char> line, long lineNumber, ref RatingFileFormat format, out RatingRecord record)
    {
        record = default;
        if (!ParseLine(line, lineNumber, ref format, out var fields))
        {
            return false;
        }

        record = new RatingRecord(fields.User.ToString(), fields.Item.ToString(), fields.Rating, fields.Timestamp, lineNumber);
        return true;
    }

    /// <summary>Receives one parsed rating without allocating its ids.</summary>
    public delegate void RatingSink(ReadOnlySpan<char> userId, ReadOnlySpan<char> itemId, float rating, long? timestamp);

    /// <summary>Parses every line, calling <paramref name="sink"/> for each rating.</summary>
    public static void Parse(TextReader reader, RatingFileFormat format, RatingSink sink)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(sink);
        var detected = format;
        var lines = new LineReader(reader);
        while (lines.TryReadLine(out var line))
        {
            if (ParseLine(line.Span, lines.LineNumber, ref detected, out var fields))
            {
                sink(fields.User, fields.Item, fields.Rating, fields.Timestamp);
            }
        }
    }

    private ref struct Fields
    {
        public ReadOnlySpan<char> User;
        public ReadOnlySpan<char> Item;
        public float Rating;
        public long? Timestamp;
    }

    /// <summary>Parses one line; false for a blank line or a header on line 1.</summary>
    private static bool ParseLine(ReadOnlySpan<char> line, long lineNumber, ref RatingFileFormat format, out Fields fields)
    {
        fields = default;
        if (line.IsWhiteSpace())
        {
            return false;
        }

        if (format == RatingFileFormat.Auto)
        {
            format = line.Contains("::", StringComparison.Ordinal) ? RatingFileFormat.DoubleColon
                : line.Contains('\t') ? RatingFileFormat.Tab
                : RatingFileFormat.Csv;
        }

        var span = line.TrimEnd('\r');
        ReadOnlySpan<char> user, item, rating, timestamp;
        int count;
        if (format == RatingFileFormat.Csv && span.Contains('"'))
        {
            var parts = CsvFields(span, lineNumber);
            count = parts.Count;
            CheckFieldCount(count, lineNumber);
            user = parts[0];
            item = parts[1];
            rating = parts[2];
            timestamp = count == 4 ? parts[3] : default;
        }
        else
        {
            Span<Range> ranges = stackalloc Range[5];
            count = format switch
            {
                RatingFileFormat.Tab => span.Split(ranges, '\t'),
                RatingFileFormat.DoubleColon => span.Split(ranges, "::"),
                _ => span.Split(ranges, ','),
            };
            CheckFieldCount(count, lineNumber);
            user = span[ranges[0]].Trim();
            item = span[ranges[1]].Trim();
            rating = span[ranges[2]].Trim();
            timestamp = count == 4 ? span[ranges[3]].Trim() : default;
        }

        if (lineNumber == 1 && !float.TryParse(rating, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            return false; // A header line.
        }

        return Fill(user, item, rating, timestamp, lineNumber, out fields);
    }

    private static void CheckFieldCount(int count, long lineNumber)
    {
        if (count is < 3 or > 4)
        {
            throw new RatingFormatException(lineNumber, $"expected 3 or 4 fields (user, item, rating[, timestamp]) but found {count}.");
        }
    }

    private static bool Fill(ReadOnlySpan<char> user, ReadOnlySpan<char> item, ReadOnlySpan<char> rating, ReadOnlySpan<char> timestamp, long lineNumber, out Fields fields)
    {
        fields = default;
        if (user.IsEmpty)
        {
            throw new RatingFormatException(lineNumber, "the user id is empty.");
        }

        if (item.IsEmpty)
        {
            throw new RatingFormatException(lineNumber, "the item id is empty.");
        }

        if (!float.TryParse(rating, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !float.IsFinite(value))
        {
            throw new RatingFormatException(lineNumber, $"the rating '{rating}' is not a finite number.");
        }

        long? time = null;
        if (!timestamp.IsEmpty)
        {
            if (!long.TryParse(timestamp, NumberStyles.Integer, CultureInfo.InvariantCulture, out var t))
            {
                throw new RatingFormatException(lineNumber, $"the timestamp '{timestamp}' is not an integer.");
            }

            time = t;
        }

        fields.User = user;
        fields.Item = item;
        fields.Rating = value;
        fields.Timestamp = time;
        return true;
    }
}
