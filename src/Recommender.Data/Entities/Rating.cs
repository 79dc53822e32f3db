namespace Recommender.Data.Entities;

/// <summary>One explicit rating; (UserId, ItemId) is unique, so a submission is an upsert.</summary>
public sealed class Rating
{
    public required string UserId { get; set; }

    public required string ItemId { get; set; }

    public double Value { get; set; }

    /// <summary>When the rating was given, Unix milliseconds (the client's timestamp, or the time it was received).</summary>
    public long Timestamp { get; set; }

    public User? User { get; set; }

    public Item? Item { get; set; }
}
