using Recommender.Core.Data;

namespace Recommender.Core.Training;

/// <summary>
/// The ratings of a dataset regrouped into a G × G grid of blocks for stratified parallel SGD (the block scheme of
/// FPSGD, Zhuang et al. 2013, scheduled as DSGD's strata, Gemulla et al. 2011). Users and items are assigned to
/// row and column bands by a seeded random permutation, so blocks hold similar numbers of ratings whatever the
/// popularity skew. Users and items are relabelled in band order (<see cref="UserOrder"/>, <see cref="ItemOrder"/>), so
/// each band's rows are contiguous in memory and threads working on different bands never share a cache line. Ratings
/// are copied into block order, and inside each block sorted by the label of the side with more rows, then by the
/// other side's (as LIBMF sorts its blocks): a row of the larger side is read once per block and stays in the L1 cache
/// across its ratings, and those rows are visited in address order, which the hardware prefetcher follows. The
/// randomness SGD needs comes from the seeded labels and the seeded order of the strata in each epoch.
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

    /// <summary>Whether each block is sorted by user (users are the larger side), else by item.</summary>
    public bool SortedByUser => SortsByUser(UserOrder.Length, ItemOrder.Length);

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
        var userOf = new int[data.Count];
        var itemOf = new int[data.Count];
        for (var n = 0; n < data.Count; n++)
        {
            userOf[n] = userLabel[data.UserIndices[n]];
            itemOf[n] = itemLabel[data.ItemIndices[n]];
        }

        // Three stable counting sorts: by the smaller side's label, by the larger side's, then by block — so each
        // block's ratings run in (larger side's label, other side's label) order.
        var byLabels = SortsByUser(userOrder.Length, itemOrder.Length)
            ? StableSort(userOf, userOrder.Length, StableSort(itemOf, itemOrder.Length, null))
            : StableSort(itemOf, itemOrder.Length, StableSort(userOf, userOrder.Length, null));
        var blockOf = new int[data.Count];
        for (var n = 0; n < data.Count; n++)
        {
            blockOf[n] = Band(userOf[n], userOrder.Length, size) * size + Band(itemOf[n], itemOrder.Length, size);
        }

        var starts = Offsets(blockOf, size * size);
        var placed = StableSort(blockOf, size * size, byLabels);
        var users = new int[data.Count];
        var items = new int[data.Count];
        var values = new float[data.Count];
        for (var slot = 0; slot < placed.Length; slot++)
        {
            var n = placed[slot];
            users[slot] = userOf[n];
            items[slot] = itemOf[n];
            values[slot] = data.Values[n];
        }

        return new BlockGrid(size, starts, users, items, values, userOrder, itemOrder);
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

    /// <summary>Blocks are sorted by the side with more rows; by user when the two are even.</summary>
    private static bool SortsByUser(int users, int items) => users >= items;

    /// <summary>
    /// The positions 0 … n − 1, taken in the order of <paramref name="input"/> (or ascending when null), stably sorted
    /// by <paramref name="keys"/>[position] ∈ [0, <paramref name="keyCount"/>): one counting sort.
    /// </summary>
    private static int[] StableSort(int[] keys, int keyCount, int[]? input)
    {
        var next = Offsets(keys, keyCount);
        var sorted = new int[keys.Length];
        for (var j = 0; j < keys.Length; j++)
        {
            var position = input is null ? j : input[j];
            sorted[next[keys[position]]++] = position;
        }

        return sorted;
    }

    /// <summary>Where each key's run starts once sorted by key: offsets[k] = #keys below k, for k = 0 … keyCount.</summary>
    private static int[] Offsets(int[] keys, int keyCount)
    {
        var offsets = new int[keyCount + 1];
        foreach (var key in keys)
        {
            offsets[key + 1]++;
        }

        for (var key = 0; key < keyCount; key++)
        {
            offsets[key + 1] += offsets[key];
        }

        return offsets;
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
