using Npgsql;
using NpgsqlTypes;

namespace Recommender.Data;

public abstract partial class ItemUpserter
{
    /// <summary>
    /// PostgreSQL: items are buffered and written a thousand at a time, each column an array expanded by <c>unnest</c>;
    /// an id repeated within a buffer keeps its later row, as row-by-row upserts would. The first write locks the data
    /// version's row, as every rating write does first: a catalogue import and a rating write that both create items
    /// then take turns, as they do on SQLite, instead of deadlocking over items each created first.
    /// </summary>
    private sealed class Postgres(NpgsqlTransaction transaction, long createdAt, bool setsMetadata) : ItemUpserter(createdAt, setsMetadata)
    {
        private const int BufferSize = 1000;

        private readonly Dictionary<string, (string? Name, string? Metadata)> _buffer = new(StringComparer.Ordinal);
        private bool _locked;

        public override async ValueTask UpsertAsync(string itemId, string? name, string? metadata, CancellationToken cancellationToken)
        {
            _buffer[itemId] = (name, metadata);
            if (_buffer.Count >= BufferSize)
            {
                await FlushAsync(cancellationToken);
            }
        }

        public override async Task FlushAsync(CancellationToken cancellationToken)
        {
            if (_buffer.Count == 0)
            {
                return;
            }

            await using var batch = new NpgsqlBatch(transaction.Connection, transaction);
            if (!_locked)
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand($"""SELECT 1 FROM "store_state" WHERE "Id" = {Entities.StoreState.SingletonId} FOR UPDATE"""));
            }

            var upsert = new NpgsqlBatchCommand(
                $"""
                INSERT INTO "items" ("Id", "DisplayName", "Metadata", "CreatedAt")
                SELECT i, n, m, $4 FROM unnest($1::text[], $2::text[], $3::text[]) AS x(i, n, m)
                ON CONFLICT ("Id") DO UPDATE SET {UpdateList}
                """);
            upsert.Parameters.Add(Text([.. _buffer.Keys]));
            upsert.Parameters.Add(Text([.. _buffer.Values.Select(v => v.Name)]));
            upsert.Parameters.Add(Text([.. _buffer.Values.Select(v => v.Metadata)]));
            upsert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = CreatedAt });
            batch.BatchCommands.Add(upsert);
            await batch.ExecuteNonQueryAsync(cancellationToken);
            _locked = true;
            _buffer.Clear();
        }

        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;

        private static NpgsqlParameter<string?[]> Text(string?[] values) => new() { TypedValue = values, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };
    }
}
