using Recommender.Core.Data;

namespace Recommender.Core.Training;

/// <summary>
/// The ratings of a dataset regrouped into a G × G grid of blocks for stratified parallel SGD (the block scheme of
/// FPSGD, Zhuang et al. 2013, scheduled as DSGD's strata, Gemulla et al. 2011). Users and items are assigned to
/// row and column bands by a seeded random permutation, so blocks hold similar numbers of ratings whatever the
/// popularity skew. Ratings are copied into block order (contiguous, cache-friendly) and shuffled once inside
/// each block. Users and items are also relabelled in band order (<see cref="UserOrder"/>, <see cref="ItemOrder"/>), so
/// each band's rows are contiguous in memory and threads working on different bands never share a cache line.
/// </summary>
/// <remarks>
/// Stratum s is the set of blocks (b, (b + s) mod G) for b = 0 … G−1: no two share a user band or an item band,
/// so they can be trained concurrently without locks, and the result does not depend on which thread runs which
/// block — the same seed and grid size give the same model for any number of threads.
/// </remarks>
internal sealed class BlockGrid
{
    private BlockGrid(int size, int[] starts, int[] users, int[] items, float[] values, int[] userOrder, int[] itemOrder)
    {
        Size = size;
        Starts = starts;
        Users = users;
        Items = items;
        Values = values;
        UserOrder = userOrder;
        ItemOrder = itemOrder;
    }

    /// <summary>G, the number of bands on each side.</summary>
    public int Size { get; }

    /// <summary>Block (r, c) holds positions Starts[r·G + c] … Starts[r·G + c + 1] − 1.</summary>
    public int[] Starts { get; }

    /// <summary>Relabelled user of each rating: its position in <see cref="UserOrder"/>.</summary>
    public int[] Users { get; }

    /// <summary>Relabelled item of each rating: its position in <see cref="ItemOrder"/>.</summary>
    public int[] Items { get; }

    /// <summary>UserOrder[n] is the dataset's index of relabelled user n; band b holds a contiguous range of n.</summary>
    public int[] UserOrder { get; }

    /// <summary>ItemOrder[n] is the dataset's index of relabelled item n.</summary>
    public int[] ItemOrder { get; }

    public float[] Values { get; }

    /// <summary>
    /// The grid size for a thread count: 8 bands up to four threads, so one to four threads train the same model; from
    /// five on, two bands per thread, so every thread finds a block whose bands are free.
    /// </summary>
    public static int SizeFor(int threads) => Math.Max(8, 2 * threads);

    public static BlockGrid Build(RatingDataset data, int size, Random random)
    {
        var userOrder = DatasetSplit.Permutation(data.Users.Count, random.Next());
        var itemOrder = DatasetSplit.Permutation(data.Items.Count, random.Next());
        var userLabel = Inverse(userOrder);
        var itemLabel = Inverse(itemOrder);
        var order = DatasetSplit.Permutation(data.Count, random.Next());
        var starts = new int[size * size + 1];
        foreach (var n in order)
        {
            starts[Block(userLabel[data.UserIndices[n]], itemLabel[data.ItemIndices[n]]) + 1]++;
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
            var u = userLabel[data.UserIndices[n]];
            var i = itemLabel[data.ItemIndices[n]];
            var slot = next[Block(u, i)]++;
            users[slot] = u;
            items[slot] = i;
            values[slot] = data.Values[n];
        }

        return new BlockGrid(size, starts, users, items, values, userOrder, itemOrder);

        int Block(int user, int item) => Band(user, userOrder.Length, size) * size + Band(item, itemOrder.Length, size);
    }

    /// <summary>The relabelled users of user band <paramref name="band"/>: [Start, Start + Length).</summary>
    public (int Start, int Length) UserBand(int band) => Range(band, UserOrder.Length, Size);

    /// <summary>The relabelled items of item band <paramref name="band"/>: [Start, Start + Length).</summary>
    public (int Start, int Length) ItemBand(int band) => Range(band, ItemOrder.Length, Size);

    /// <summary>The band of relabelled row <paramref name="label"/> of <paramref name="count"/>: near-equal contiguous ranges.</summary>
    private static int Band(int label, int count, int size) => (int)((long)label * size / count);

    /// <summary>The labels whose <see cref="Band"/> is <paramref name="band"/>: from the first label at or past band · count / size.</summary>
    private static (int Start, int Length) Range(int band, int count, int size)
    {
        static int First(int band, int count, int size) => (int)(((long)band * count + size - 1) / size);
        var start = First(band, count, size);
        return (start, First(band + 1, count, size) - start);
    }

    private static int[] Inverse(int[] order)
    {
        var inverse = new int[order.Length];
        for (var n = 0; n < order.Length; n++)
        {
            inverse[order[n]] = n;
        }

        return inverse;
    }
}
