using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Recommender.Data;

/// <summary>
/// Upserts item names and metadata with one prepared statement inside the caller's transaction, for catalogue imports:
/// the portable <c>INSERT … ON CONFLICT … DO UPDATE</c> that SQLite and PostgreSQL share.
/// </summary>
/// <remarks>Not thread-safe: one upserter per transaction. Dispose it before committing.</remarks>
public sealed class ItemUpserter : IDisposable
{
    private readonly DbCommand _upsert;

    private ItemUpserter(DbConnection connection, DbTransaction transaction, long createdAt, bool setsMetadata)
    {
        _upsert = connection.CreateCommand();
        _upsert.Transaction = transaction;
        // Without metadata columns an import names items and leaves the metadata they have.
        var update = setsMetadata
            ? """ "DisplayName" = excluded."DisplayName", "Metadata" = excluded."Metadata" """
            : """ "DisplayName" = excluded."DisplayName" """;
        _upsert.CommandText = $"""
            INSERT INTO "items" ("Id", "DisplayName", "Metadata", "CreatedAt") VALUES (@id, @name, @metadata, @t)
            ON CONFLICT ("Id") DO UPDATE SET {update}
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

    /// <summary>
    /// An upserter bound to <paramref name="db"/>'s open transaction. With <paramref name="setsMetadata"/> false, items
    /// that exist keep their metadata and new ones have none.
    /// </summary>
    public static ItemUpserter Create(RecommenderDbContext db, long createdAt, bool setsMetadata)
    {
        ArgumentNullException.ThrowIfNull(db);
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("Begin a transaction before upserting items.");
        return new ItemUpserter(db.Database.GetDbConnection(), transaction, createdAt, setsMetadata);
    }

    /// <summary>Creates the item or replaces its name (and its metadata, when this upserter sets metadata).</summary>
    public void Upsert(string itemId, string? name, string? metadata)
    {
        _upsert.Parameters[0].Value = itemId;
        _upsert.Parameters[1].Value = (object?)name ?? DBNull.Value;
        _upsert.Parameters[2].Value = (object?)metadata ?? DBNull.Value;
        _upsert.ExecuteNonQuery();
    }

    public void Dispose() => _upsert.Dispose();
}
