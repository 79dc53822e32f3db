namespace Recommender.Core.Data;

/// <summary>
/// Accumulates ratings into growable flat arrays and produces a <see cref="RatingDataset"/>.
/// Ratings keep the order in which they were added; duplicates are not merged (the store upserts before loading).
/// </summary>
public sealed class RatingDatasetBuilder
{
    private int[] _users;
    private int[] _items;
    private float[] _values;
    private int _count;

    /// <summary>Creates a builder with fresh id maps.</summary>
    public RatingDatasetBuilder(int capacity = 1024) : this(new IdMap(), new IdMap(), capacity)
    {
    }

    /// <summary>Creates a builder that adds to existing id maps (so indices agree with another dataset).</summary>
    public RatingDatasetBuilder(IdMap users, IdMap items, int capacity = 1024)
    {
        ArgumentNullException.ThrowIfNull(users);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        Users = users;
        Items = items;
        capacity = Math.Max(capacity, 16);
        _users = new int[capacity];
        _items = new int[capacity];
        _values = new float[capacity];
    }

    /// <summary>The users' id map being filled.</summary>
    public IdMap Users { get; }

    /// <summary>The items' id map being filled.</summary>
    public IdMap Items { get; }

    /// <summary>Ratings added so far.</summary>
    public int Count => _count;

    /// <summary>Adds one rating; the value must be finite.</summary>
    public void Add(string userId, string itemId, float rating)
    {
        if (!float.IsFinite(rating))
        {
            throw new ArgumentOutOfRangeException(nameof(rating), rating, "A rating must be a finite number.");
        }

        Add(Users.GetOrAdd(userId), Items.GetOrAdd(itemId), rating);
    }

    /// <summary>Adds one rating by index; the indices must already exist in the maps.</summary>
    public void Add(int userIndex, int itemIndex, float rating)
    {
        if (_count == _values.Length)
        {
            var size = _values.Length * 2;
            Array.Resize(ref _users, size);
            Array.Resize(ref _items, size);
            Array.Resize(ref _values, size);
        }

        _users[_count] = userIndex;
        _items[_count] = itemIndex;
        _values[_count] = rating;
        _count++;
    }

    /// <summary>Returns the dataset; the builder may keep being used, and later additions do not affect it.</summary>
    public RatingDataset Build() =>
        new(Users, Items, _users[.._count], _items[.._count], _values[.._count]);
}
