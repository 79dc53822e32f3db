using Npgsql;
using NpgsqlTypes;

namespace Recommender.Data;

public abstract partial class RatingUpserter
{
    /// <summary>
    /// PostgreSQL: the whole list in one batch — one round trip however many ratings — with each column sent as an
    /// array and expanded by <c>unnest</c>. Pairs are made distinct first (the later value wins; only a pair's first
    /// occurrence can create it), since one <c>INSERT … ON CONFLICT DO UPDATE</c> may touch a row once. Which pairs exist
    /// is read in the same batch before they are written; the data version's row lock, taken earlier in the transaction,
    /// keeps any other writer from changing that meanwhile.
    /// </summary>
    private sealed class Postgres(NpgsqlTransaction transaction, long createdAt, long dataVersion) : RatingUpserter(createdAt, dataVersion)
    {
        public override async Task<bool[]> UpsertAsync(IReadOnlyList<RatingRow> ratings, CancellationToken cancellationToken) =>
            (await RunAsync(ratings, bump: false, cancellationToken)).Created;

        /// <summary>See <see cref="RatingUpserter.BumpAndUpsertAsync"/>.</summary>
        public static Task<(long DataVersion, bool[] Created)> BumpAndUpsertAsync(
            NpgsqlTransaction transaction, long createdAt, IReadOnlyList<RatingRow> ratings, CancellationToken cancellationToken) =>
            new Postgres(transaction, createdAt, dataVersion: 0).RunAsync(ratings, bump: true, cancellationToken);

        /// <summary>
        /// The upsert, after bumping the data version in the same batch when <paramref name="bump"/> (the users are then
        /// stamped with the bumped value, read back from its row in the same transaction).
        /// </summary>
        private async Task<(long DataVersion, bool[] Created)> RunAsync(IReadOnlyList<RatingRow> ratings, bool bump, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(ratings);
            var created = new bool[ratings.Count];
            if (ratings.Count == 0)
            {
                if (!bump)
                {
                    return (DataVersion, created);
                }

                await using var alone = new NpgsqlBatch(transaction.Connection, transaction) { BatchCommands = { Bump() } };
                return ((long)(await alone.ExecuteScalarAsync(cancellationToken))!, created);
            }

            // Distinct pairs in order of first occurrence, each with its last value, and where it first occurred.
            var pairs = new Dictionary<(string, string), int>();
            var first = new List<int>();
            var last = new List<RatingRow>();
            for (var n = 0; n < ratings.Count; n++)
            {
                var rating = ratings[n];
                if (pairs.TryGetValue((rating.UserId, rating.ItemId), out var index))
                {
                    last[index] = rating;
                }
                else
                {
                    pairs.Add((rating.UserId, rating.ItemId), last.Count);
                    first.Add(n);
                    last.Add(rating);
                }
            }

            var userIds = last.Select(r => r.UserId).ToArray();
            var itemIds = last.Select(r => r.ItemId).ToArray();
            await using var batch = new NpgsqlBatch(transaction.Connection, transaction)
            {
                BatchCommands =
                {
                    Command(
                        """
                        SELECT x.n FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS x(u, i, n)
                        WHERE EXISTS (SELECT 1 FROM "ratings" r WHERE r."UserId" = x.u AND r."ItemId" = x.i)
                        """,
                        Text(userIds),
                        Text(itemIds)),
                    bump
                        ? Command(
                            """
                            INSERT INTO "users" ("Id", "CreatedAt", "RatingsVersion")
                            SELECT unnest($1::text[]), $2, (SELECT "DataVersion" FROM "store_state" WHERE "Id" = $3)
                            ON CONFLICT ("Id") DO UPDATE SET "RatingsVersion" = excluded."RatingsVersion"
                            """,
                            Text(Distinct(userIds)),
                            Int64(CreatedAt),
                            Singleton())
                        : Command(
                            """
                            INSERT INTO "users" ("Id", "CreatedAt", "RatingsVersion") SELECT unnest($1::text[]), $2, $3
                            ON CONFLICT ("Id") DO UPDATE SET "RatingsVersion" = excluded."RatingsVersion"
                            """,
                            Text(Distinct(userIds)),
                            Int64(CreatedAt),
                            Int64(DataVersion)),
                    Command(
                        """INSERT INTO "items" ("Id", "CreatedAt") SELECT unnest($1::text[]), $2 ON CONFLICT ("Id") DO NOTHING""",
                        Text(Distinct(itemIds)),
                        Int64(CreatedAt)),
                    Command(
                        """
                        INSERT INTO "ratings" ("UserId", "ItemId", "Value", "Timestamp")
                        SELECT * FROM unnest($1::text[], $2::text[], $3::double precision[], $4::bigint[])
                        ON CONFLICT ("UserId", "ItemId") DO UPDATE SET "Value" = excluded."Value", "Timestamp" = excluded."Timestamp"
                        """,
                        Text(userIds),
                        Text(itemIds),
                        new NpgsqlParameter<double[]> { TypedValue = [.. last.Select(r => r.Value)] },
                        new NpgsqlParameter<long[]> { TypedValue = [.. last.Select(r => r.Timestamp)] }),
                },
            };

            if (bump)
            {
                batch.BatchCommands.Insert(0, Bump());
            }

            var existing = new bool[last.Count];
            var version = DataVersion;
            await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
            {
                if (bump)
                {
                    await reader.ReadAsync(cancellationToken);
                    version = reader.GetInt64(0);
                    await reader.NextResultAsync(cancellationToken);
                }

                while (await reader.ReadAsync(cancellationToken))
                {
                    existing[reader.GetInt64(0) - 1] = true;
                }

                // The writes' results follow; reading on raises their errors here.
                while (await reader.NextResultAsync(cancellationToken))
                {
                }
            }

            for (var index = 0; index < last.Count; index++)
            {
                created[first[index]] = !existing[index];
            }

            return (version, created);
        }

        private static NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
        {
            var command = new NpgsqlBatchCommand(sql);
            command.Parameters.AddRange(parameters);
            return command;
        }

        /// <summary>Sorted as well as distinct, so concurrent transactions lock new users and items in one order.</summary>
        private static string[] Distinct(string[] ids) => [.. ids.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

        private static NpgsqlParameter<string[]> Text(string[] values) => new() { TypedValue = values, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };

        private static NpgsqlParameter<long> Int64(long value) => new() { TypedValue = value };

        /// <summary>The data version's bump, as <see cref="RecommenderDbContext.BumpDataVersionAsync"/> writes it.</summary>
        private static NpgsqlBatchCommand Bump() => Command(
            """UPDATE "store_state" SET "DataVersion" = "DataVersion" + 1 WHERE "Id" = $1 RETURNING "DataVersion" """,
            Singleton());

        private static NpgsqlParameter<int> Singleton() => new() { TypedValue = Entities.StoreState.SingletonId };
    }
}
