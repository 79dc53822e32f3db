using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Recommender.Api.Tests;

/// <summary>
/// An EF Core interceptor a test adds to the service's DbContext to make one request slow or failing: a query with a
/// parameter equal to <see cref="SlowMarker"/> waits until <see cref="Release"/> (or until its request is cancelled),
/// one with <see cref="FailMarker"/> throws. No production code knows about it.
/// </summary>
internal sealed class CommandGate : DbCommandInterceptor
{
    public const string SlowMarker = "slow-request-marker";
    public const string FailMarker = "failing-request-marker";

    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when a slow query has started waiting.</summary>
    public Task Entered => _entered.Task;

    public void Release() => _released.TrySetResult();

    public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        var values = command.Parameters.Cast<DbParameter>().Select(p => p.Value as string).ToList();
        if (values.Contains(FailMarker))
        {
            throw new InvalidOperationException("The database is on fire (a test's injected failure).");
        }

        if (values.Contains(SlowMarker))
        {
            _entered.TrySetResult();
            await _released.Task.WaitAsync(cancellationToken);
        }

        return result;
    }
}
