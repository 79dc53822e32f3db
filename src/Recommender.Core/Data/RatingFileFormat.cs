namespace Recommender.Core.Data;

/// <summary>The text formats of rating files.</summary>
public enum RatingFileFormat
{
    /// <summary>Detect from the first line: <c>::</c> → MovieLens .dat, a tab → MovieLens u.data, else CSV.</summary>
    Auto = 0,

    /// <summary>Comma-separated <c>user,item,rating[,timestamp]</c>, optional header, RFC 4180 quoting (MovieLens ratings.csv).</summary>
    Csv = 1,

    /// <summary>Tab-separated <c>user item rating timestamp</c> (MovieLens 100K u.data).</summary>
    Tab = 2,

    /// <summary><c>user::item::rating::timestamp</c> (MovieLens 1M/10M ratings.dat).</summary>
    DoubleColon = 3,
}

/// <summary>One parsed rating line.</summary>
public readonly record struct RatingRecord(string UserId, string ItemId, float Rating, long? Timestamp, long Line);

/// <summary>A malformed line in a rating file; the message names the line number and the problem.</summary>
public sealed class RatingFormatException(long line, string problem)
    : FormatException($"Line {line}: {problem}")
{
    /// <summary>1-based line number.</summary>
    public long Line { get; } = line;
}
