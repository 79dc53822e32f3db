using Npgsql;
using Recommender.Data;

namespace Recommender.Api.Training;

public sealed partial class ModelPublisher
{
    /// <summary>
    /// Records what became of an external batch that is not published (malformed, or superseded by a newer batch). On a
    /// trainer node it is written like a publication, in a transaction on the trainer lock's session that commits only
    /// while the lock is held: only the elected trainer decides a batch's fate. False when nothing was recorded (the
    /// lock was lost, or the batch was no longer ready).
    /// </summary>
    public async Task<bool> FinishExternalBatchAsync(string batchId, string state, string reason, CancellationToken cancellationToken)
    {
        if (Clustered)
        {
            return await lease.InTransactionAsync(
                (_, transaction, _) => ExternalModelStore.FinishAsync(
                    (NpgsqlConnection)transaction.Connection!, transaction, batchId, state, reason, null, cancellationToken),
                cancellationToken);
        }

        await using var connection = await cluster.OpenAsync(cancellationToken);
        return await ExternalModelStore.FinishAsync(connection, null, batchId, state, reason, null, cancellationToken);
    }
}
