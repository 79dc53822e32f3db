using System.Text.Json;
using System.Text.Json.Serialization;

namespace Recommender.Api.Contracts;

/// <summary>A user in a listing.</summary>
public sealed record UserSummary
{
    /// <example>Hermione</example>
    public required string UserId { get; init; }

    /// <example>Hermione</example>
    public required string? DisplayName { get; init; }

    /// <example>10</example>
    public required int RatingCount { get; init; }
}

/// <summary>A user with their details.</summary>
public sealed record UserResponse
{
    /// <example>Hermione</example>
    public required string UserId { get; init; }

    /// <example>Hermione</example>
    public required string? DisplayName { get; init; }

    /// <summary>The user's metadata, any JSON value; null when none was stored.</summary>
    public required JsonElement? Metadata { get; init; }

    /// <example>10</example>
    public required int RatingCount { get; init; }

    /// <example>2026-11-29T12:00:00+00:00</example>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>True when the serving model was trained with this user (otherwise they are served by fold-in).</summary>
    /// <example>true</example>
    public required bool InModel { get; init; }
}

/// <summary>An item in a listing.</summary>
public sealed record ItemSummary
{
    /// <example>Back in Black</example>
    public required string ItemId { get; init; }

    /// <example>Back in Black</example>
    public required string? DisplayName { get; init; }

    /// <example>2</example>
    public required int RatingCount { get; init; }
}

/// <summary>An item with its details.</summary>
public sealed record ItemResponse
{
    /// <example>Back in Black</example>
    public required string ItemId { get; init; }

    /// <example>Back in Black</example>
    public required string? DisplayName { get; init; }

    /// <summary>The item's metadata, any JSON value (an imported catalogue's further columns); null when none was stored.</summary>
    public required JsonElement? Metadata { get; init; }

    /// <example>2</example>
    public required int RatingCount { get; init; }

    /// <example>2026-11-29T12:00:00+00:00</example>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>True when the serving model was trained with ratings of this item (otherwise it gets the fallback).</summary>
    /// <example>true</example>
    public required bool InModel { get; init; }
}

/// <summary>An item's display name and metadata.</summary>
/// <remarks>An unknown field is refused, so a misspelt or renamed one (<c>name</c>) is not dropped unnoticed.</remarks>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ItemUpdateRequest
{
    /// <summary>Display name, at most 256 characters; null or absent clears it.</summary>
    /// <example>Back in Black (AC/DC, 1980)</example>
    public string? DisplayName { get; init; }

    /// <summary>Any JSON value, at most 16 KiB; null or absent clears it.</summary>
    public JsonElement? Metadata { get; init; }
}

/// <summary>What a catalogue import stored.</summary>
public sealed record ItemImportResponse
{
    /// <summary>Items read and stored (a repeated id keeps its last line).</summary>
    /// <example>9742</example>
    public required long Imported { get; init; }

    /// <summary>Server time from the first byte read to the commit.</summary>
    /// <example>0.4</example>
    public required double Seconds { get; init; }
}
