using Recommender.Core.Data;

namespace Recommender.Core.Training;

/// <summary>
/// The ratings of a dataset regrouped into a G × G grid of blocks for stratified parallel SGD (the block scheme of
/// FPSGD, Zhuang et al. 2013, scheduled as DSGD's strata, Gemulla et al. 2011). Users and items are assigned to
/// row and column bands by a seeded random permutation, so blocks hold similar numbers of ratings whatever the
/// popularity skew. Ratings are copied into block order (contiguous, cache-friendly) and shuffled once inside
/// each block.
/// </summary>
/// <remarks>
/// Stratum s is the set of blocks (b, (b + s) mod G) for b = 0 … G−1: no two share a user band or an item band,
/// so they can be trained concurrently without locks, and the result does not depend on which thread runs which
/// block — the same seed gives the same model for any number of threads.
/// </remarks>
internal sealed class BlockGrid
{
    private BlockGrid(int size, int[] starts, int[] users, int[] items, float[] values)
    {
        Size = size;
        Starts = starts;
        Users = users;
        Items = items;
        Values = values;
    }

    /// <summary>G, the number of bands on each side.</summary>
    public int Size { get; }

    /// <summary>Block (r, c) holds positions Starts[r·G + c] … Starts[r·G + c + 1] − 1.</summary>
    public int[] Starts { get; }

    public int[] Users { get; }

    public int[] Items { get; }

    public float[] Values { get; }

    /// <summary>The grid size for a thread count: at least 8 bands, and at least two blocks per thread in each stratum.</summary>
    public static int SizeFor(int threads) => Math.Max(8, 2 * threads);

    public static BlockGrid Build(RatingDataset data, int size, Random random)
    {
        var userBand = Bands(data.Users.Count, size, random);
        var itemBand = Bands(data.Items.Count, size, random);
        var order = DatasetSplit.Permutation(data.Count, random.Next());
        var starts = new int[size * size + 1];
        foreach (var n in order)
        {
            starts[userBand[data.UserIndices[n]] * size + itemBand[data.ItemIndices[n]] + 1]++;
        }

        for (var b = 0; b < size * size; b++)
        {
            starts[b + 1] += starts[b];
        }

        var next = starts[..^1];
        var users = new int[data.Count];
        var items = new int[data.Count];
        var values = new float[data.Count];
        foreach (var n in order)
        {
            var u = data.UserIndices[n];
            var i = data.ItemIndices[n];
            var slot = next[userBand[u] * size + itemBand[i]]++;
            users[slot] = u;
            items[slot] = i;
            values[slot] = data.Values[n];
        }

        return new BlockGrid(size, starts, users, items, values);
    }

    /// <summary>Assigns each of <paramref name="count"/> rows to one of <paramref name="size"/> bands of near-equal size, at random.</summary>
    private static int[] Bands(int count, int size, Random random)
    {
        var permutation = DatasetSplit.Permutation(count, random.Next());
        var band = new int[count];
        for (var rank = 0; rank < count; rank++)
        {
            band[permutation[rank]] = (int)((long)rank * size / Math.Max(count, 1));
        }

        return band;
    }
}
