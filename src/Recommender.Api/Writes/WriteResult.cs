namespace Recommender.Api.Writes;

/// <summary>A rating to store, as every write path hands it to <see cref="RatingWriter"/>; the timestamp is in Unix milliseconds.</summary>
public readonly record struct RatingInput(string UserId, string ItemId, double Value, long Timestamp);

/// <summary>What a batch stored.</summary>
public readonly record struct RatingCounts(int Created, int Updated);

/// <summary>What an import stored: the ratings read (a repeated pair counts each time) and the distinct users.</summary>
public readonly record struct ImportCounts(long Imported, int Users);

/// <summary>Why a write stored nothing.</summary>
public enum WriteFailureKind
{
    /// <summary>The input is invalid (a bad line of an import).</summary>
    Invalid,

    /// <summary>The service is stopping and takes no more writes.</summary>
    ShuttingDown,

    /// <summary>The store is busy: the write could not take its lock, or ran out of time. Worth retrying shortly.</summary>
    StoreBusy,

    /// <summary>The store's disk is full.</summary>
    StoreFull,

    /// <summary>The database server could not be reached. Worth retrying shortly; a commit under way may have taken effect.</summary>
    StoreUnreachable,

    /// <summary>The store could not be written otherwise (an I/O error, a read-only or damaged file, a read-only server).</summary>
    StoreUnavailable,
}

/// <summary>Why a write stored nothing, in words a client can act on.</summary>
public sealed record WriteFailure(WriteFailureKind Kind, string Detail);

/// <summary>The outcome of one write: its value once committed, or why nothing of it was stored.</summary>
public readonly record struct WriteResult<T>(T Value, WriteFailure? Failure)
{
    public static implicit operator WriteResult<T>(T value) => new(value, null);

    public static implicit operator WriteResult<T>(WriteFailure failure) => new(default!, failure);
}
