namespace Recommender.Core.Data;

/// <summary>Seeded train/test splits of a <see cref="RatingDataset"/>. Both parts share the source's id maps.</summary>
public static class DatasetSplit
{
    /// <summary>
    /// Splits uniformly at random: each rating goes to the test part with probability close to
    /// <paramref name="testFraction"/> (exactly <c>round(Count × fraction)</c> ratings are held out).
    /// The same seed gives the same split.
    /// </summary>
    public static (RatingDataset Train, RatingDataset Test) Holdout(RatingDataset dataset, double testFraction, int seed)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (!(testFraction > 0 && testFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "Must be strictly between 0 and 1.");
        }

        var order = Permutation(dataset.Count, seed);
        var testCount = (int)Math.Round(dataset.Count * testFraction);
        var test = order.AsSpan(0, testCount);
        var train = order.AsSpan(testCount);
        test.Sort();
        train.Sort();
        return (dataset.Subset(train), dataset.Subset(test));
    }

    /// <summary>
    /// K-fold cross-validation: a seeded permutation is cut into <paramref name="folds"/> nearly equal parts and
    /// fold <c>f</c> tests on part <c>f</c> and trains on the rest. Every rating is tested exactly once.
    /// </summary>
    public static IEnumerable<(RatingDataset Train, RatingDataset Test)> KFold(RatingDataset dataset, int folds, int seed)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfLessThan(folds, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(folds, Math.Max(2, dataset.Count));
        return Iterate();

        IEnumerable<(RatingDataset, RatingDataset)> Iterate()
        {
            var order = Permutation(dataset.Count, seed);
            for (var f = 0; f < folds; f++)
            {
                var start = (int)((long)dataset.Count * f / folds);
                var end = (int)((long)dataset.Count * (f + 1) / folds);
                var test = order[start..end];
                var train = new int[dataset.Count - test.Length];
                order.AsSpan(0, start).CopyTo(train);
                order.AsSpan(end).CopyTo(train.AsSpan(start));
                Array.Sort(test);
                Array.Sort(train);
                yield return (dataset.Subset(train), dataset.Subset(test));
            }
        }
    }

    internal static int[] Permutation(int count, int seed)
    {
        var order = new int[count];
        for (var n = 0; n < count; n++)
        {
            order[n] = n;
        }

        new Random(seed).Shuffle(order);
        return order;
    }
}
