using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;
using Npgsql;
using Recommender.Api.Options;
using Recommender.Data;

namespace Recommender.Api.Cluster;

/// <summary>
/// The trainer lock of a <c>trainer</c> node: a PostgreSQL session advisory lock held on a dedicated connection of its
/// own (not pooled, so it is never handed to anything else and its session ends exactly when the connection does), and
/// the fencing epoch taken with it. Only the holder trains and publishes; its publication moves <c>model_current</c> in a
/// transaction on this same session that re-checks the lock and the epoch (<see cref="ClusterStore.MoveCurrentAsync"/>),
/// so a trainer whose session was ended — by a crash, a network cut or <c>pg_terminate_backend</c> — cannot publish.
/// </summary>
public sealed class TrainerLease(IConfiguration configuration, IOptions<NodeOptions> options, ILogger<TrainerLease> logger) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private NpgsqlConnection? _connection;
    private long _epoch;

    /// <summary>The fencing epoch of the lock this node holds, or 0.</summary>
    public long Epoch => Interlocked.Read(ref _epoch);

    /// <summary>What names this node in <c>trainer_lease.holder</c>.</summary>
    public string Holder { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>
    /// Waits until this node holds the lock, trying every <see cref="NodeOptions.LockInterval"/>. True when it was taken
    /// just now (the node has just become the trainer), false when it was held already and is still held.
    /// </summary>
    public async Task<bool> HoldAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (await CheckAsync(cancellationToken))
            {
                return false;
            }

            if (await TryAcquireAsync(cancellationToken))
            {
                return true;
            }

            await Task.Delay(options.Value.LockInterval, cancellationToken);
        }
    }

    /// <summary>True when the lock is held on a session that still answers; a dead session is dropped (the lock is lost).</summary>
    public async Task<bool> CheckAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_connection is null)
            {
                return false;
            }

            try
            {
                if (await ClusterStore.HoldsTrainerLockAsync(_connection, cancellationToken))
                {
                    return true;
                }
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
            {
                logger.LogWarning("The trainer lock's session ended ({Message}): this node no longer trains", e.Message);
            }

            await DropAsync();
            return false;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Runs <paramref name="publish"/> in a transaction on the lock's session with the epoch it must fence on; false
    /// (nothing committed) when this node does not hold the lock or the session ended meanwhile.
    /// </summary>
    public async Task<bool> InTransactionAsync(
        Func<RecommenderDbContext, NpgsqlTransaction, long, Task<bool>> publish, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_connection is not { } connection)
            {
                return false;
            }

            try
            {
                var store = new DbContextOptionsBuilder<RecommenderDbContext>()
                    .UseNpgsql(connection, npgsql => npgsql.MigrationsAssembly(StoreConnection.PostgresMigrationsAssembly)).Options;
                await using var db = new RecommenderDbContext(store);
                await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
                if (!await publish(db, (NpgsqlTransaction)transaction.GetDbTransaction(), Epoch))
                {
                    await transaction.RollbackAsync(cancellationToken);
                    return false;
                }

                await transaction.CommitAsync(cancellationToken);
                return true;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException && connection.FullState != System.Data.ConnectionState.Open)
            {
                logger.LogWarning("The trainer lock's session ended while publishing ({Message}): nothing was published", e.Message);
                await DropAsync();
                return false;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<bool> TryAcquireAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        NpgsqlConnection? connection = null;
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(configuration.GetConnectionString("Recommender"))
            {
                Pooling = false,
                ApplicationName = "recommender-trainer-lock",
                // A dead peer is noticed by the next check, whichever side it was.
                KeepAlive = 5,
            };
            connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            if (await ClusterStore.TryAcquireTrainerLockAsync(connection, Holder, cancellationToken) is not { } epoch)
            {
                await connection.DisposeAsync();
                return false;
            }

            _connection = connection;
            Interlocked.Exchange(ref _epoch, epoch);
            logger.LogInformation("This node holds the trainer lock (epoch {Epoch}) and trains", epoch);
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            logger.LogWarning("Could not try the trainer lock: {Message}", e.Message);
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }

            return false;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task DropAsync()
    {
        Interlocked.Exchange(ref _epoch, 0);
        if (_connection is { } connection)
        {
            _connection = null;
            await connection.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Closing the session releases the lock at once: a standby takes over without waiting for a timeout.
        await _gate.WaitAsync();
        try
        {
            await DropAsync();
        }
        finally
        {
            _gate.Release();
        }
    }
}
