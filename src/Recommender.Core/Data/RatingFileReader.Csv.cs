using System.Text;

namespace Recommender.Core.Data;

public static partial class RatingFileReader
{
    /// <summary>Splits a CSV line with RFC 4180 quotes ("" inside quotes is one quote).</summary>
    private static List<string> CsvFields(ReadOnlySpan<char> line, long lineNumber)
    {
        var fields = new List<string>(4);
        var current = new StringBuilder();
        var quoted = false;
        var wasQuoted = false;
        for (var n = 0; n < line.Length; n++)
        {
            var c = line[n];
            if (quoted)
            {
                if (c != '"')
                {
                    current.Append(c);
                }
                else if (n + 1 < line.Length && line[n + 1] == '"')
                {
                    current.Append('"');
                    n++;
                }
                else
                {
                    quoted = false;
                }
            }
            else if (c == '"' && current.ToString().Trim().Length == 0 && !wasQuoted)
            {
                quoted = wasQuoted = true;
                current.Clear();
            }
            else if (c == ',')
            {
                fields.Add(wasQuoted ? current.ToString() : current.ToString().Trim());
                current.Clear();
                wasQuoted = false;
            }
            else if (wasQuoted && !char.IsWhiteSpace(c))
            {
                throw new RatingFormatException(lineNumber, "unexpected text after a closing quote.");
            }
            else if (!wasQuoted)
            {
                current.Append(c);
            }
        }

        if (quoted)
        {
            throw new RatingFormatException(lineNumber, "a quoted field is not closed.");
        }

        fields.Add(wasQuoted ? current.ToString() : current.ToString().Trim());
        return fields;
    }
}
