namespace Recommender.Core.Data;

/// <summary>
/// A two-way map between public string identifiers (<c>Id</c>) and dense internal row numbers (<c>Index</c>).
/// Indices are assigned in order of first appearance, starting at 0, and never change once assigned.
/// </summary>
/// <remarks>Adding is not thread-safe; a map held by a published <see cref="Model.FactorModel"/> is never added to.</remarks>
public sealed class IdMap
{
    private readonly Dictionary<string, int> _indexById;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _bySpan;
    private readonly List<string> _ids;

    /// <summary>Creates an empty map.</summary>
    public IdMap() : this(0)
    {
    }

    /// <summary>Creates an empty map with room for <paramref name="capacity"/> ids.</summary>
    public IdMap(int capacity)
    {
        _indexById = new Dictionary<string, int>(capacity, StringComparer.Ordinal);
        _ids = new List<string>(capacity);
        _bySpan = _indexById.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Creates a map whose indices follow the order of <paramref name="ids"/>; the ids must be distinct.</summary>
    public IdMap(IEnumerable<string> ids) : this(0)
    {
        ArgumentNullException.ThrowIfNull(ids);
        foreach (var id in ids)
        {
            if (_indexById.ContainsKey(id))
            {
                throw new ArgumentException($"Duplicate id '{id}'.", nameof(ids));
            }

            GetOrAdd(id);
        }
    }

    /// <summary>Number of ids in the map.</summary>
    public int Count => _ids.Count;

    /// <summary>All ids, in index order.</summary>
    public IReadOnlyList<string> Ids => _ids;

    /// <summary>Returns the index of <paramref name="id"/>, assigning the next free index if it is new.</summary>
    public int GetOrAdd(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (_indexById.TryGetValue(id, out var index))
        {
            return index;
        }

        index = _ids.Count;
        _indexById.Add(id, index);
        _ids.Add(id);
        return index;
    }

    /// <summary>As <see cref="GetOrAdd(string)"/>, allocating a string only for a new id.</summary>
    public int GetOrAdd(ReadOnlySpan<char> id)
    {
        if (_bySpan.TryGetValue(id, out var index))
        {
            return index;
        }

        return GetOrAdd(id.ToString());
    }

    /// <summary>Looks up the index of <paramref name="id"/>.</summary>
    public bool TryGetIndex(string id, out int index) => _indexById.TryGetValue(id, out index);

    /// <summary>The index of <paramref name="id"/>, or -1 when it is unknown.</summary>
    public int IndexOf(string id) => _indexById.TryGetValue(id, out var index) ? index : -1;

    /// <summary>The id at <paramref name="index"/>.</summary>
    public string GetId(int index) => _ids[index];

    /// <summary>True when <paramref name="id"/> is in the map.</summary>
    public bool Contains(string id) => _indexById.ContainsKey(id);
}
