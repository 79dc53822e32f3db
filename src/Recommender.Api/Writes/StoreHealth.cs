using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Recommender.Data;

namespace Recommender.Api.Writes;

/// <summary>
/// Whether the store takes writes. Every write runs through <see cref="GuardAsync{T}"/>, which turns the store's own
/// failures (<see cref="StoreProblems"/>) into a <see cref="WriteFailure"/> and remembers the last one; the next write
/// that commits clears it. <c>/health/ready</c> reports the store as failing meanwhile.
/// </summary>
public sealed class StoreHealth(IDbContextFactory<RecommenderDbContext> dbFactory, TimeProvider time, ILogger<StoreHealth> logger)
{
    private volatile LastFailure? _lastFailure;

    private sealed record LastFailure(WriteFailure Failure, DateTimeOffset At);

    /// <summary>Runs a write; a store failure becomes its result (and is remembered), anything else is thrown.</summary>
    public async Task<WriteResult<T>> GuardAsync<T>(Func<Task<WriteResult<T>>> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        try
        {
            return await write();
        }
        catch (Exception e) when (StoreProblems.Of(e) is { } problem)
        {
            var failure = Describe(problem);
            logger.LogError(e, "A write was not stored: the store is {Problem}", problem);
            _lastFailure = new LastFailure(failure, time.GetUtcNow());
            return failure;
        }
    }

    /// <summary>Runs a write that commits on its own, through <see cref="GuardAsync{T}"/>.</summary>
    public Task<WriteResult<T>> CommitAsync<T>(Func<CancellationToken, Task<T>> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        return GuardAsync<T>(async () =>
        {
            var value = await write(cancellationToken);
            Committed();
            return value;
        });
    }

    /// <summary>A write committed: the store takes writes again.</summary>
    public void Committed() => _lastFailure = null;

    /// <summary>
    /// Healthy while the last write committed. After a failure, a probe write (that changes nothing, and waits at most two
    /// seconds for the lock) decides: the store is healthy again once it commits.
    /// </summary>
    internal async Task<HealthCheckResult> CheckAsync(CancellationToken cancellationToken)
    {
        if (_lastFailure is null)
        {
            return HealthCheckResult.Healthy("Writes commit.");
        }

        await GuardAsync<int>(async () =>
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            db.Database.SetCommandTimeout(TimeSpan.FromSeconds(2));
            await db.ProbeWriteAsync(cancellationToken);
            Committed();
            return 0;
        });
        return _lastFailure is { } last
            ? HealthCheckResult.Unhealthy($"Writes cannot commit since {last.At:O}: {last.Failure.Detail}")
            : HealthCheckResult.Healthy("Writes commit again.");
    }

    private static WriteFailure Describe(StoreProblem problem) => problem switch
    {
        StoreProblem.Busy => new(
            WriteFailureKind.StoreBusy,
            "The store is busy: another write held its lock past the busy timeout, or this write lost a conflict with another. Nothing was stored; retry shortly."),
        StoreProblem.Unreachable => new(
            WriteFailureKind.StoreUnreachable,
            "The database server could not be reached (it refused or dropped the connection, or is restarting). The write was not acknowledged; retry shortly — a rating write is an upsert, so repeating it is safe."),
        StoreProblem.Full => new(
            WriteFailureKind.StoreFull,
            "The store's disk is full. Nothing was stored; writes fail until space is freed."),
        _ => new(
            WriteFailureKind.StoreUnavailable,
            "The store could not be written (an I/O error, a read-only or damaged file, or a read-only database server). Nothing was stored."),
    };
}

/// <summary>Ready only while the store takes writes (<see cref="StoreHealth"/>).</summary>
internal sealed class StoreHealthCheck(StoreHealth health) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        health.CheckAsync(cancellationToken);
}
