using System.ComponentModel.DataAnnotations;

namespace Recommender.Api.Contracts;

/// <summary>A rating to store; an existing (user, item) rating is replaced.</summary>
/// <remarks>
/// [Required] tells the OpenAPI document (and generated clients) what must be sent. The properties stay nullable and
/// the handler checks them, so that a missing field is a 400 naming it beside every other problem of the request.
/// </remarks>
public sealed record RatingRequest
{
    /// <summary>The user's id: 1–128 characters, no control characters.</summary>
    /// <example>Hermione</example>
    [Required]
    public string? UserId { get; init; }

    /// <summary>The item's id: 1–128 characters, no control characters.</summary>
    /// <example>Back in Black</example>
    [Required]
    public string? ItemId { get; init; }

    /// <summary>The rating, a finite number within Ratings:Min..Ratings:Max (0.5..5 by default).</summary>
    /// <example>4.5</example>
    [Required]
    public double? Rating { get; init; }

    /// <summary>When the rating was given; the time of receipt when absent.</summary>
    /// <example>2026-11-29T12:00:00Z</example>
    public DateTimeOffset? Timestamp { get; init; }
}

/// <summary>Many ratings, stored in one transaction: all or nothing.</summary>
public sealed record RatingBatchRequest
{
    /// <summary>Up to Ratings:MaxBatchSize ratings (10,000 by default); a (user, item) pair may appear once.</summary>
    [Required]
    public IReadOnlyList<RatingRequest>? Ratings { get; init; }
}

/// <summary>A stored rating.</summary>
public sealed record RatingResponse
{
    /// <example>Hermione</example>
    public required string UserId { get; init; }

    /// <example>Back in Black</example>
    public required string ItemId { get; init; }

    /// <example>4.5</example>
    public required double Rating { get; init; }

    /// <example>2026-11-29T12:00:00+00:00</example>
    public required DateTimeOffset Timestamp { get; init; }
}

/// <summary>What a batch did.</summary>
public sealed record RatingBatchResponse
{
    /// <summary>Ratings that were new.</summary>
    /// <example>3</example>
    public required int Created { get; init; }

    /// <summary>Ratings that replaced an earlier value.</summary>
    /// <example>1</example>
    public required int Updated { get; init; }
}

/// <summary>What an import stored.</summary>
public sealed record RatingImportResponse
{
    /// <summary>Ratings read and stored (a repeated (user, item) pair keeps its last value).</summary>
    /// <example>100836</example>
    public required long Imported { get; init; }

    /// <summary>Distinct users in the file.</summary>
    /// <example>610</example>
    public required int Users { get; init; }

    /// <summary>Server time from the first byte read to the commit.</summary>
    /// <example>1.2</example>
    public required double Seconds { get; init; }
}

/// <summary>One page of a listing.</summary>
public sealed record Page<T>
{
    /// <example>1</example>
    public required int PageNumber { get; init; }

    /// <example>20</example>
    public required int PageSize { get; init; }

    /// <summary>Number of entries over all pages.</summary>
    /// <example>4</example>
    public required int Total { get; init; }

    /// <summary>The entries of this page.</summary>
    public required IReadOnlyList<T> Items { get; init; }
}
