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
    /// <summary>The import's id: the <c>id</c> it was sent with, or one the service chose (<c>GET /api/ratings/imports/{id}</c>).</summary>
    /// <example>3f2a9c01b7d4</example>
    public required string Id { get; init; }

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

/// <summary>Where a rating import stands: while its body streams in, while it is applied, and after it ended.</summary>
public sealed record ImportProgressResponse
{
    /// <summary>The import's id.</summary>
    /// <example>3f2a9c01b7d4</example>
    public required string Id { get; init; }

    /// <summary>
    /// <c>staging</c> (reading and checking the body; the store is not locked), <c>applying</c> (writing it, holding the
    /// write lock), <c>imported</c> (committed) or <c>failed</c> (nothing was stored; see <see cref="Detail"/>).
    /// </summary>
    /// <example>staging</example>
    public required string State { get; init; }

    /// <summary>Ratings read and checked so far (a repeated (user, item) pair counts each time).</summary>
    /// <example>4200000</example>
    public required long Ratings { get; init; }

    /// <summary>Ratings read per second since the import started (until it ended).</summary>
    /// <example>310000</example>
    public required double RatingsPerSecond { get; init; }

    /// <summary>Distinct users, once the whole body has been read; null before.</summary>
    /// <example>null</example>
    public required int? Users { get; init; }

    /// <summary>When the import started.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>Seconds since it started, or its whole duration once it ended.</summary>
    /// <example>13.5</example>
    public required double Seconds { get; init; }

    /// <summary>Why nothing was stored, for a failed import; null otherwise.</summary>
    /// <example>null</example>
    public required string? Detail { get; init; }
}

/// <summary>The rating imports of this node: running ones, oldest first, then the last ended ones, latest first.</summary>
public sealed record ImportListResponse
{
    /// <summary>The imports.</summary>
    public required IReadOnlyList<ImportProgressResponse> Imports { get; init; }
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
