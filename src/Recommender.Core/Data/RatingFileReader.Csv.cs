namespace Recommender.Core.Data;

public static partial class RatingFileReader
{
    /// <summary>Splits a CSV line with RFC 4180 quotes ("" inside quotes is one quote).</summary>
    private static List<string> CsvFields(ReadOnlySpan<char> line, long lineNumber) =>
        CsvLine.Split(line, out var problem) ?? throw new RatingFormatException(lineNumber, problem!);
}
