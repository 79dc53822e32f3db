using Recommender.Core.Data;
using Recommender.Core.Training;

namespace Recommender.Core.Ranking;

/// <summary>
/// The training ratings as the ranking models see them: every user's rated items (ascending, one entry per item — the
/// last rating of a repeated pair wins, as an upsert would), and the binary interaction matrix X (x_ui = 1 when the
/// rating is positive, <see cref="RankingParameters.IsPositive"/>) stored by user and by item.
/// </summary>
internal sealed class Interactions
{
    private Interactions(SparseRows rated, SparseRows byUser, SparseRows byItem)
    {
        Rated = rated;
        ByUser = byUser;
        ByItem = byItem;
    }

    /// <summary>users → every rated item, with its rating (exclusion and fold-in input).</summary>
    public SparseRows Rated { get; }

    /// <summary>X by user: users → items with an interaction, ascending.</summary>
    public SparseRows ByUser { get; }

    /// <summary>X by item: items → users with an interaction, ascending.</summary>
    public SparseRows ByItem { get; }

    public int Users => ByUser.Count;

    public int Items => ByItem.Count;

    /// <summary>Number of interactions of each item (the column sums of X).</summary>
    public int[] ItemCounts()
    {
        var counts = new int[Items];
        for (var i = 0; i < Items; i++)
        {
            counts[i] = ByItem.Offsets[i + 1] - ByItem.Offsets[i];
        }

        return counts;
    }

    public static Interactions Build(RatingDataset data, Func<float, bool> isPositive)
    {
        var rated = RatedRows(data.UserIndices, data.ItemIndices, data.Values, data.Users.Count);
        return FromRated(rated, data.Items.Count, isPositive);
    }

    public static Interactions FromRated(SparseRows rated, int items, Func<float, bool> isPositive)
    {
        var userOffsets = new int[rated.Count + 1];
        var itemOffsets = new int[items + 1];
        for (var u = 0; u < rated.Count; u++)
        {
            userOffsets[u + 1] = userOffsets[u];
            for (var n = rated.Offsets[u]; n < rated.Offsets[u + 1]; n++)
            {
                if (isPositive(rated.Values[n]))
                {
                    userOffsets[u + 1]++;
                    itemOffsets[rated.Columns[n] + 1]++;
                }
            }
        }

        for (var i = 0; i < items; i++)
        {
            itemOffsets[i + 1] += itemOffsets[i];
        }

        var userItems = new int[userOffsets[^1]];
        var itemUsers = new int[userOffsets[^1]];
        var nextItem = itemOffsets[..^1];
        var write = 0;
        for (var u = 0; u < rated.Count; u++)
        {
            for (var n = rated.Offsets[u]; n < rated.Offsets[u + 1]; n++)
            {
                if (isPositive(rated.Values[n]))
                {
                    var item = rated.Columns[n];
                    userItems[write++] = item;
                    itemUsers[nextItem[item]++] = u;
                }
            }
        }

        var ones = new float[userItems.Length];
        Array.Fill(ones, 1f);
        return new Interactions(rated, new SparseRows(rated.Count, userOffsets, userItems, ones), new SparseRows(items, itemOffsets, itemUsers, ones));
    }

    /// <summary>Rows of (column, value) sorted by column with repeated columns merged (the later value wins).</summary>
    public static SparseRows RatedRows(int[] rows, int[] columns, float[] values, int rowCount)
    {
        var offsets = new int[rowCount + 1];
        foreach (var r in rows)
        {
            offsets[r + 1]++;
        }

        for (var r = 0; r < rowCount; r++)
        {
            offsets[r + 1] += offsets[r];
        }

        // Keys (column, position) sort each row by column and, within a column, by arrival.
        var keys = new long[rows.Length];
        var next = offsets[..^1];
        for (var n = 0; n < rows.Length; n++)
        {
            keys[next[rows[n]]++] = ((long)columns[n] << 32) | (uint)n;
        }

        var outOffsets = new int[rowCount + 1];
        var outColumns = new int[rows.Length];
        var outValues = new float[rows.Length];
        var write = 0;
        for (var r = 0; r < rowCount; r++)
        {
            var row = keys.AsSpan(offsets[r], offsets[r + 1] - offsets[r]);
            row.Sort();
            for (var k = 0; k < row.Length; k++)
            {
                var column = (int)(row[k] >> 32);
                if (k + 1 < row.Length && (int)(row[k + 1] >> 32) == column)
                {
                    continue;
                }

                outColumns[write] = column;
                outValues[write++] = values[(int)(uint)row[k]];
            }

            outOffsets[r + 1] = write;
        }

        return new SparseRows(rowCount, outOffsets, outColumns[..write], outValues[..write]);
    }
}
