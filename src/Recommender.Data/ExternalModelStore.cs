using Npgsql;

namespace Recommender.Data;

/// <summary>
/// A batch of factors an external trainer wrote, as its ready row (<c>external_models</c>) describes it.
/// </summary>
/// <param name="BatchId">The batch's id, the key of its factor rows.</param>
/// <param name="Rank">The length of every feature vector, as the job states it.</param>
/// <param name="Algorithm">What trained it, in the job's words (a note, recorded with the version).</param>
/// <param name="ImplicitPrefs">True when it was trained on implicit feedback (Spark's <c>implicitPrefs</c>).</param>
/// <param name="RegParam">The regularization λ it was trained with (Spark's <c>regParam</c>), if the job said.</param>
/// <param name="MaxIter">The iterations it ran (Spark's <c>maxIter</c>), if the job said.</param>
/// <param name="DotProduct">True when a prediction is the dot product of the two vectors, with no biases.</param>
/// <param name="CreatedAt">When the ready row was inserted.</param>
public sealed record ExternalBatch(
    string BatchId, int Rank, string Algorithm, bool ImplicitPrefs, double? RegParam, int? MaxIter, bool DotProduct, DateTimeOffset CreatedAt);

/// <summary>One row of a batch's factors: the id, and its features when they are a one-dimensional array (else null).</summary>
public sealed record ExternalFactorRow(string Id, float?[]? Features);

/// <summary>What became of an external batch (<c>external_models.state</c>).</summary>
public static class ExternalBatchState
{
    /// <summary>Complete, waiting for the trainer.</summary>
    public const string Ready = "ready";

    /// <summary>Published as a model version (<c>version</c>).</summary>
    public const string Published = "published";

    /// <summary>Refused: malformed, or refused by the quality gate (<c>reason</c> says why).</summary>
    public const string Rejected = "rejected";

    /// <summary>A newer batch was ready at the same time and was taken instead.</summary>
    public const string Superseded = "superseded";
}

/// <summary>
/// PostgreSQL's SQL for models trained outside the service: the tables of the PostgreSQL migration
/// <c>ExternalModels</c>, which a Spark job fills with <c>DataFrame.write.jdbc</c> and the elected trainer reads,
/// checks, and marks with what it did (the README's "Scaling out" states the contract).
/// </summary>
public static class ExternalModelStore
{
    /// <summary>The batches waiting to be taken, newest first.</summary>
    public static async Task<IReadOnlyList<ExternalBatch>> ReadyBatchesAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = new NpgsqlCommand(
            """
            SELECT batch_id, rank, algorithm, implicit_prefs, reg_param, max_iter, dot_product, created_at
            FROM external_models WHERE state = 'ready' ORDER BY created_at DESC, batch_id DESC
            """,
            connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var batches = new List<ExternalBatch>();
        while (await reader.ReadAsync(cancellationToken))
        {
            batches.Add(new ExternalBatch(
                reader.GetString(0),
                reader.GetInt32(1),
                reader.GetString(2),
                reader.GetBoolean(3),
                reader.IsDBNull(4) ? null : reader.GetDouble(4),
                reader.IsDBNull(5) ? null : reader.GetInt32(5),
                reader.GetBoolean(6),
                reader.GetFieldValue<DateTimeOffset>(7)));
        }

        return batches;
    }

    /// <summary>The user (<paramref name="users"/>) or item factors of <paramref name="batchId"/>.</summary>
    public static async Task<List<ExternalFactorRow>> ReadFactorsAsync(
        NpgsqlConnection connection, string batchId, bool users, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var (table, id) = users ? ("external_user_factors", "user_id") : ("external_item_factors", "item_id");
        // A real[] column also holds arrays of two or more dimensions: those (and empty ones) are read as null.
        await using var command = new NpgsqlCommand(
            $"SELECT {id}, CASE WHEN array_ndims(features) = 1 THEN features END FROM {table} WHERE batch_id = @batch",
            connection);
        command.Parameters.AddWithValue("batch", batchId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<ExternalFactorRow>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new ExternalFactorRow(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<float?[]>(1)));
        }

        return rows;
    }

    /// <summary>
    /// Records what became of a ready batch, in the caller's transaction: false when the batch is no longer ready
    /// (another trainer took it).
    /// </summary>
    public static async Task<bool> FinishAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string batchId, string state, string? reason, long? version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = new NpgsqlCommand(
            """
            UPDATE external_models SET state = @state, reason = @reason, version = @version, processed_at = now()
            WHERE batch_id = @batch AND state = 'ready'
            """,
            connection,
            transaction);
        command.Parameters.AddWithValue("batch", batchId);
        command.Parameters.AddWithValue("state", state);
        command.Parameters.Add(new NpgsqlParameter<string?>("reason", NpgsqlTypes.NpgsqlDbType.Text) { TypedValue = reason });
        command.Parameters.Add(new NpgsqlParameter<long?>("version", NpgsqlTypes.NpgsqlDbType.Bigint) { TypedValue = version });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>
    /// Deletes the factor rows of every batch that is no longer ready (published, rejected or superseded): a published
    /// model lives on in its snapshot, and the ready row keeps the record.
    /// </summary>
    public static async Task DeleteProcessedFactorsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = new NpgsqlCommand(
            """
            DELETE FROM external_user_factors WHERE batch_id IN (SELECT batch_id FROM external_models WHERE state <> 'ready');
            DELETE FROM external_item_factors WHERE batch_id IN (SELECT batch_id FROM external_models WHERE state <> 'ready');
            """,
            connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
