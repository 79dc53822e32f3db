namespace Recommender.Core.Data;

/// <summary>
/// Explicit ratings stored column-wise in flat arrays (coordinate format): rating <c>n</c> is
/// <c>(UserIndices[n], ItemIndices[n], Values[n])</c>. There is no per-rating object, so ten million
/// ratings cost 120 MB. Absence of a (user, item) pair means "unknown", never zero.
/// </summary>
/// <remarks>
/// Several datasets (a training set and its holdout, say) may share the same <see cref="IdMap"/>s, so an index
/// means the same user or item in all of them. A dataset is not changed after it is built.
/// </remarks>
public sealed class RatingDataset
{
    /// <summary>Wraps existing arrays; they must have equal length and indices must be valid for the maps.</summary>
    public RatingDataset(IdMap users, IdMap items, int[] userIndices, int[] itemIndices, float[] values)
    {
        ArgumentNullException.ThrowIfNull(users);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(userIndices);
        ArgumentNullException.ThrowIfNull(itemIndices);
        ArgumentNullException.ThrowIfNull(values);
        if (userIndices.Length != itemIndices.Length || userIndices.Length != values.Length)
        {
            throw new ArgumentException("User, item and value arrays must have the same length.");
        }

        Users = users;
        Items = items;
        UserIndices = userIndices;
        ItemIndices = itemIndices;
        Values = values;
    }

    /// <summary>The users' id map.</summary>
    public IdMap Users { get; }

    /// <summary>The items' id map.</summary>
    public IdMap Items { get; }

    /// <summary>User index of each rating.</summary>
    public int[] UserIndices { get; }

    /// <summary>Item index of each rating.</summary>
    public int[] ItemIndices { get; }

    /// <summary>Rating values.</summary>
    public float[] Values { get; }

    /// <summary>Number of ratings.</summary>
    public int Count => Values.Length;

    /// <summary>Mean of all rating values (0 for an empty dataset), accumulated in double precision.</summary>
    public double Mean()
    {
        if (Values.Length == 0)
        {
            return 0;
        }

        double sum = 0;
        foreach (var v in Values)
        {
            sum += v;
        }

        return sum / Values.Length;
    }

    /// <summary>A new dataset holding the ratings at <paramref name="positions"/>, sharing this dataset's id maps.</summary>
    public RatingDataset Subset(ReadOnlySpan<int> positions)
    {
        var users = new int[positions.Length];
        var items = new int[positions.Length];
        var values = new float[positions.Length];
        for (var n = 0; n < positions.Length; n++)
        {
            var p = positions[n];
            users[n] = UserIndices[p];
            items[n] = ItemIndices[p];
            values[n] = Values[p];
        }

        return new RatingDataset(Users, Items, users, items, values);
    }

    /// <summary>Builds a dataset from (user id, item id, rating) triples, in the given order.</summary>
    public static RatingDataset FromTriples(IEnumerable<(string UserId, string ItemId, float Rating)> ratings)
    {
        ArgumentNullException.ThrowIfNull(ratings);
        var builder = new RatingDatasetBuilder();
        foreach (var (user, item, rating) in ratings)
        {
            builder.Add(user, item, rating);
        }

        return builder.Build();
    }
}
