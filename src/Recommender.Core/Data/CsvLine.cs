using System.Text;

namespace Recommender.Core.Data;

/// <summary>One line of CSV split into fields, with RFC 4180 quotes ("" inside quotes is one quote).</summary>
internal static class CsvLine
{
    /// <summary>The fields of <paramref name="line"/>, or null with the <paramref name="problem"/> when its quotes are malformed.</summary>
    public static List<string>? Split(ReadOnlySpan<char> line, out string? problem)
    {
        problem = null;
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
                problem = "unexpected text after a closing quote.";
                return null;
            }
            else if (!wasQuoted)
            {
                current.Append(c);
            }
        }

        if (quoted)
        {
            problem = "a quoted field is not closed.";
            return null;
        }

        fields.Add(wasQuoted ? current.ToString() : current.ToString().Trim());
        return fields;
    }
}
