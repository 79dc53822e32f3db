using System.Data.Common;

namespace Recommender.Data;

public abstract partial class ItemUpserter
{
    /// <summary>SQLite: one prepared statement, row by row (a statement costs microseconds in-process).</summary>
    private sealed class Sqlite : ItemUpserter
    {
        private readonly DbCommand _upsert;

        public Sqlite(DbConnection connection, DbTransaction transaction, long createdAt, bool setsMetadata)
            : base(createdAt, setsMetadata)
        {
            _upsert = connection.CreateCommand();
            _upsert.Transaction = transaction;
            _upsert.CommandText = $"""
                INSERT INTO "items" ("Id", "DisplayName", "Metadata", "CreatedAt") VALUES (@id, @name, @metadata, @t)
                ON CONFLICT ("Id") DO UPDATE SET {UpdateList}
                """;
            foreach (var name in new[] { "@id", "@name", "@metadata", "@t" })
            {
                var parameter = _upsert.CreateParameter();
                parameter.ParameterName = name;
                _upsert.Parameters.Add(parameter);
            }

            _upsert.Parameters[3].Value = createdAt;
            _upsert.Prepare();
        }

        public override ValueTask UpsertAsync(string itemId, string? name, string? metadata, CancellationToken cancellationToken)
        {
            _upsert.Parameters[0].Value = itemId;
            _upsert.Parameters[1].Value = (object?)name ?? DBNull.Value;
            _upsert.Parameters[2].Value = (object?)metadata ?? DBNull.Value;
            _upsert.ExecuteNonQuery();
            return ValueTask.CompletedTask;
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override ValueTask DisposeAsync()
        {
            _upsert.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
