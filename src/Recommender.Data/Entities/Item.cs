namespace Recommender.Data.Entities;

/// <summary>An item, created on its first rating or by <c>PUT /api/items/{id}</c>.</summary>
public sealed class Item
{
    public required string Id { get; set; }

    public string? DisplayName { get; set; }

    /// <summary>Free-form JSON metadata.</summary>
    public string? Metadata { get; set; }

    /// <summary>Unix milliseconds.</summary>
    public long CreatedAt { get; set; }

    public List<Rating> Ratings { get; } = [];
}
