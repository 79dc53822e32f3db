namespace Recommender.Data.Entities;

/// <summary>A user, created on their first rating.</summary>
public sealed class User
{
    public const int MaxIdLength = 128;

    public required string Id { get; set; }

    public string? DisplayName { get; set; }

    /// <summary>Free-form JSON metadata.</summary>
    public string? Metadata { get; set; }

    /// <summary>Unix milliseconds.</summary>
    public long CreatedAt { get; set; }

    /// <summary>
    /// The data version (<see cref="StoreState.DataVersion"/>) of the last write that changed this user's ratings: a
    /// model trained on an earlier data version does not know them as they are now.
    /// </summary>
    public long RatingsVersion { get; set; }

    public List<Rating> Ratings { get; } = [];
}
