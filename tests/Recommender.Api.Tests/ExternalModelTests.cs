using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Recommender.Api.Contracts;
using Recommender.Api.Training;

namespace Recommender.Api.Tests;

/// <summary>
/// Models trained outside the service (README, "Scaling out": a Spark MLlib ALS job) and published through the store:
/// each test writes factors exactly as Spark's JDBC writer does — <c>text</c> ids and <c>real[]</c> features, with plain
/// parameterized INSERTs — then the ready row, last, and looks at what the service made of them.
/// </summary>
public sealed class ExternalModelTests
{
    private const string Why = "external models are published through PostgreSQL tables";
    private const int Rank = 4;

    private static Dictionary<string, string?> Settings(string role, StoreDirectory store, string name) => new()
    {
        ["Node:Role"] = role,
        ["Node:PollInterval"] = "00:00:00.050",
        ["Node:LockInterval"] = "00:00:00.100",
        ["Model:Directory"] = Path.Combine(store.Path, name),
        ["Training:ExternalPollInterval"] = "00:00:00.050",
    };

    /// <summary>Seeded vectors of <paramref name="rank"/> values in [0.4, 1.1): dot products of rank 4 fall in [0.64, 4.84), inside the rating scale.</summary>
    private static Dictionary<string, float[]> Factors(IEnumerable<string> ids, int seed, int rank = Rank)
    {
        var random = new Random(seed);
        return ids.ToDictionary(id => id, _ => Enumerable.Range(0, rank).Select(_ => 0.4f + 0.7f * random.NextSingle()).ToArray(), StringComparer.Ordinal);
    }

    /// <summary>What Spark's <c>write.jdbc</c> of an ALS factor DataFrame joined back to string ids does: one INSERT per row of (batch_id, id, features).</summary>
    private static async Task WriteFactorsAsync(StoreDirectory store, string batch, string table, IReadOnlyDictionary<string, float[]> factors)
    {
        using var connection = (NpgsqlConnection)store.Store.Open();
        var id = table == "external_user_factors" ? "user_id" : "item_id";
        await using var transaction = await connection.BeginTransactionAsync();
        foreach (var (key, features) in factors)
        {
            await using var insert = new NpgsqlCommand($"""INSERT INTO {table} ("batch_id","{id}","features") VALUES (@batch, @id, @features)""", connection, transaction);
            insert.Parameters.Add(new NpgsqlParameter("batch", NpgsqlDbType.Text) { Value = batch });
            insert.Parameters.Add(new NpgsqlParameter("id", NpgsqlDbType.Text) { Value = key });
            insert.Parameters.Add(new NpgsqlParameter("features", NpgsqlDbType.Array | NpgsqlDbType.Real) { Value = features });
            await insert.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
    }

    private static async Task WriteBatchAsync(StoreDirectory store, string batch, IReadOnlyDictionary<string, float[]> users, IReadOnlyDictionary<string, float[]> items)
    {
        await WriteFactorsAsync(store, batch, "external_user_factors", users);
        await WriteFactorsAsync(store, batch, "external_item_factors", items);
    }

    /// <summary>The ready row, inserted last, as the job's final step does.</summary>
    private static async Task MarkReadyAsync(StoreDirectory store, string batch, int rank = Rank)
    {
        await ExecuteAsync(store, $"""
            INSERT INTO external_models (batch_id, rank, algorithm, implicit_prefs, reg_param, max_iter, dot_product)
            VALUES ('{batch}', {rank}, 'Spark MLlib ALS 3.5', false, 0.1, 10, true)
            """);
    }

    private static async Task ExecuteAsync(StoreDirectory store, string sql)
    {
        using var connection = store.Store.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<T?> ScalarAsync<T>(StoreDirectory store, string sql)
    {
        using var connection = store.Store.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)Convert.ChangeType(value, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static Task<long> FactorRowsAsync(StoreDirectory store, string batch) => ScalarAsync<long>(
        store, $"SELECT (SELECT count(*) FROM external_user_factors WHERE batch_id = '{batch}') + (SELECT count(*) FROM external_item_factors WHERE batch_id = '{batch}')");

    /// <summary>Marks <paramref name="batch"/> ready and waits for the trainer to finish with it.</summary>
    private static async Task<TrainingOutcome> ReadyAndWaitAsync(RecommenderApp trainer, StoreDirectory store, string batch, int rank = Rank)
    {
        var finished = trainer.Status.NextRunAsync(CancellationToken.None);
        await MarkReadyAsync(store, batch, rank);
        return await finished.WaitAsync(TimeSpan.FromSeconds(60));
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"timed out waiting until {what}");
            await Task.Delay(20);
        }
    }

    [PostgresOnlyFact(Why)]
    public async Task ASparkBatch_IsGatedAndPublished_AndEveryNodeServesTheDotProductsOfItsFactors()
    {
        using var store = new StoreDirectory();
        using var trainer = new RecommenderApp(store: store, settings: Settings("trainer", store, "trainer"));
        await trainer.WaitForModelAsync();
        using var api = new RecommenderApp(store: store, settings: Settings("api", store, "api"));
        var apiClient = api.CreateClient();
        await WaitUntilAsync(() => api.Models.Current?.Model.Version == 1, "the api node serves version 1");

        var served = trainer.Models.Current!.Model;
        var users = Factors(served.Users.Ids, seed: 1);
        var items = Factors(served.Items.Ids, seed: 2);
        await WriteBatchAsync(store, "als-2026-12-02", users, items);
        Assert.Equal(TrainingOutcome.Published, await ReadyAndWaitAsync(trainer, store, "als-2026-12-02"));

        // Published like any version: fenced pointer, version row with its note, the batch's outcome, rows cleaned up.
        Assert.Equal(2, await ScalarAsync<long>(store, "SELECT version FROM model_current"));
        Assert.Equal("published", await ScalarAsync<string>(store, "SELECT state FROM external_models WHERE batch_id = 'als-2026-12-02'"));
        Assert.Equal(2, await ScalarAsync<long>(store, "SELECT version FROM external_models WHERE batch_id = 'als-2026-12-02'"));
        Assert.Equal(0, await FactorRowsAsync(store, "als-2026-12-02"));

        // The replica follows exactly as it follows the service's own versions.
        await WaitUntilAsync(() => api.Models.Current?.Model.Version == 2, "the api node serves version 2");
        var model = await RecommenderApp.ReadAsync<ModelResponse>(await apiClient.GetAsync("/api/model"));
        Assert.Equal(2, model.Version);
        Assert.Equal("Als", model.Algorithm);
        Assert.Equal(Rank, model.Parameters!.Value.GetProperty("factors").GetInt32());
        Assert.StartsWith("External model from batch 'als-2026-12-02' (Spark MLlib ALS 3.5; rank 4, regParam 0.1, maxIter 10", model.Note, StringComparison.Ordinal);
        Assert.Contains("dot products of its factors, without biases", model.Note, StringComparison.Ordinal);
        Assert.Contains("The ranking model is version 1's, kept.", model.Note, StringComparison.Ordinal);
        Assert.NotNull(model.Ranking);

        foreach (var (user, p) in users)
        {
            foreach (var (item, q) in items)
            {
                var prediction = await RecommenderApp.ReadAsync<PredictionResponse>(
                    await apiClient.GetAsync($"/api/users/{Uri.EscapeDataString(user)}/predictions/{Uri.EscapeDataString(item)}"));
                var dot = p.Zip(q, (a, b) => (double)a * b).Sum();
                Assert.Equal(2, prediction.ModelVersion);
                Assert.Null(prediction.Fallback);
                Assert.True(Math.Abs(prediction.PredictedRating - dot) < 1e-4, $"{user} × {item}: predicted {prediction.PredictedRating}, the factors' dot product is {dot}");
            }
        }
    }

    [PostgresOnlyFact(Why)]
    public async Task MalformedBatches_AreRejectedWithTheirReason_AndTheServingVersionStays()
    {
        using var store = new StoreDirectory();
        using var trainer = new RecommenderApp(store: store, settings: Settings("trainer", store, "trainer"));
        var client = trainer.CreateClient();
        await trainer.WaitForModelAsync();
        var served = trainer.Models.Current!.Model;

        var cases = new (string Batch, Action<Dictionary<string, float[]>, Dictionary<string, float[]>> Spoil, int Rank, string Reason)[]
        {
            ("ragged", (u, _) => u["Hermione"] = [0.5f, 0.5f, 0.5f], Rank, "1 user rows do not hold 4 features (the rank), e.g. 'Hermione' (3)."),
            ("nan", (_, i) => i["Firework"][2] = float.NaN, Rank, "1 item rows hold NaN or infinite features, e.g. 'Firework'."),
            ("infinite", (u, _) => u["Spock"][0] = float.PositiveInfinity, Rank, "1 user rows hold NaN or infinite features, e.g. 'Spock'."),
            ("rank", (_, _) => { }, 5, "user rows do not hold 5 features (the rank)"),
            ("zero-rank", (_, _) => { }, 0, "rank 0 is not between 1 and 1024."),
            ("unknown", (u, _) => u["Gandalf"] = [0.5f, 0.5f, 0.5f, 0.5f], Rank, "1 user ids are not users with ratings in the store, e.g. 'Gandalf'."),
        };
        foreach (var (batch, spoil, rank, reason) in cases)
        {
            var users = Factors(served.Users.Ids, seed: 1);
            var items = Factors(served.Items.Ids, seed: 2);
            spoil(users, items);
            await WriteBatchAsync(store, batch, users, items);
            Assert.Equal(TrainingOutcome.Rejected, await ReadyAndWaitAsync(trainer, store, batch, rank));

            Assert.Equal("rejected", await ScalarAsync<string>(store, $"SELECT state FROM external_models WHERE batch_id = '{batch}'"));
            Assert.Contains(reason, await ScalarAsync<string>(store, $"SELECT reason FROM external_models WHERE batch_id = '{batch}'"), StringComparison.Ordinal);
            Assert.Contains(reason, trainer.Status.LastError, StringComparison.Ordinal);
            Assert.Equal(0, await FactorRowsAsync(store, batch));
            Assert.Equal(1, trainer.Models.Current!.Model.Version);
            Assert.Equal(1, await ScalarAsync<long>(store, "SELECT version FROM model_current"));
            Assert.Equal(1, await ScalarAsync<long>(store, "SELECT count(*) FROM model_versions"));
        }

        // A NULL inside an array, which real[] allows and Spark never writes.
        var withNull = Factors(served.Items.Ids, seed: 2);
        await WriteFactorsAsync(store, "null", "external_user_factors", Factors(served.Users.Ids, seed: 1));
        await WriteFactorsAsync(store, "null", "external_item_factors", withNull);
        await ExecuteAsync(store, "UPDATE external_item_factors SET features[2] = NULL WHERE batch_id = 'null' AND item_id = 'Survivor'");
        Assert.Equal(TrainingOutcome.Rejected, await ReadyAndWaitAsync(trainer, store, "null"));
        Assert.Contains("1 item rows hold NULL features, e.g. 'Survivor'.", await ScalarAsync<string>(store, "SELECT reason FROM external_models WHERE batch_id = 'null'"), StringComparison.Ordinal);

        var model = await RecommenderApp.ReadAsync<ModelResponse>(await client.GetAsync("/api/model"));
        Assert.Equal(1, model.Version);
        Assert.Null(model.Note);
    }

    [PostgresOnlyFact(Why)]
    public async Task ABatchThatPredictsWorse_IsRefusedByTheSameQualityGate_AndRecordedAsRejected()
    {
        using var store = new StoreDirectory();
        using var app = new RecommenderApp(store: store, settings: Settings("all", store, "models"));
        var client = app.CreateClient();
        await app.WaitForModelAsync();
        // Enough ratings for a holdout the gate compares on (as PublishingTests does).
        var ratings = Enumerable.Range(0, 40).SelectMany(u => Enumerable.Range(0, 30).Select(i => new { userId = $"u{u}", itemId = $"i{i}", rating = (double)(1 + (u * i) % 5) }));
        foreach (var chunk in ratings.Chunk(1000))
        {
            (await client.PostAsJsonAsync("/api/ratings/batch", new { ratings = chunk })).EnsureSuccessStatusCode();
        }

        Assert.Equal(TrainingOutcome.Published, await app.RetrainAsync(client));
        var served = app.Models.Current!.Model;

        // Finite, well-formed, and useless: every dot product is 5 (each vector is (√5/2, √5/2, √5/2, √5/2)).
        var flat = MathF.Sqrt(5) / 2;
        await WriteBatchAsync(
            store,
            "flat",
            served.Users.Ids.ToDictionary(id => id, _ => Enumerable.Repeat(flat, Rank).ToArray()),
            served.Items.Ids.ToDictionary(id => id, _ => Enumerable.Repeat(flat, Rank).ToArray()));
        Assert.Equal(TrainingOutcome.Rejected, await ReadyAndWaitAsync(app, store, "flat"));

        var reason = await ScalarAsync<string>(store, "SELECT reason FROM external_models WHERE batch_id = 'flat'");
        Assert.Contains("Training:MaxRmseRegression", reason, StringComparison.Ordinal);
        Assert.Equal("rejected", await ScalarAsync<string>(store, "SELECT state FROM external_models WHERE batch_id = 'flat'"));
        Assert.Equal(3, await ScalarAsync<long>(store, "SELECT version FROM external_models WHERE batch_id = 'flat'"));
        var versions = (await client.GetFromJsonAsync<JsonElement>("/api/model/versions"))!;
        Assert.Equal("rejected", versions[0].GetProperty("state").GetString());
        Assert.Equal(3, versions[0].GetProperty("version").GetInt64());
        Assert.Contains("External model from batch 'flat'", versions[0].GetProperty("note").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, app.Models.Current!.Model.Version);
        Assert.Equal(0, await FactorRowsAsync(store, "flat"));
    }

    [PostgresOnlyFact(Why)]
    public async Task ABatchWithoutItsReadyRow_IsNeverTaken()
    {
        using var store = new StoreDirectory();
        using var app = new RecommenderApp(store: store, settings: Settings("all", store, "models"));
        await app.WaitForModelAsync();
        var served = app.Models.Current!.Model;
        var started = app.Status.LastStartedAt;

        // Half-written, as a job that failed (or is still writing) leaves it: no ready row.
        await WriteBatchAsync(store, "half", Factors(served.Users.Ids, seed: 3), Factors(served.Items.Ids, seed: 4));
        await Task.Delay(TimeSpan.FromSeconds(1)); // twenty polls
        Assert.Equal(started, app.Status.LastStartedAt);
        Assert.Equal(1, app.Models.Current!.Model.Version);
        Assert.Equal(0, await ScalarAsync<long>(store, "SELECT count(*) FROM external_models"));

        // A complete batch written after it is taken; the half one stays as it was, untouched.
        await WriteBatchAsync(store, "whole", Factors(served.Users.Ids, seed: 1), Factors(served.Items.Ids, seed: 2));
        Assert.Equal(TrainingOutcome.Published, await ReadyAndWaitAsync(app, store, "whole"));
        Assert.Equal(2, app.Models.Current!.Model.Version);
        Assert.Equal(served.Users.Count + served.Items.Count, await FactorRowsAsync(store, "half"));
        Assert.Equal(1, await ScalarAsync<long>(store, "SELECT count(*) FROM external_models"));
        var note = await ScalarAsync<string>(store, "SELECT \"Note\" FROM model_versions WHERE \"Version\" = 2");
        Assert.Contains("batch 'whole'", note, StringComparison.Ordinal);
    }
}
