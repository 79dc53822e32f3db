using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Recommender.Api.Tests;

/// <summary>
/// The real service in its own process, written to by several clients at once and killed with SIGKILL at a seeded-random
/// moment, ten times over one store: every acknowledged write must survive, the store must pass its integrity check
/// (SQLite's <c>integrity_check</c>; amcheck's on PostgreSQL, whose server keeps its durable defaults), and the
/// restarted service must serve the last published model at once.
/// </summary>
public sealed class CrashDurabilityTests
{
    private const int Rounds = 10;
    private const int Writers = 4;

    private sealed record Write(string UserId, string ItemId, double Rating);

    private sealed class Ledger
    {
        /// <summary>Writes answered 2xx: each must be in the store with its value.</summary>
        public List<Write> Acknowledged { get; } = [];

        /// <summary>Requests cut off by the kill (no answer): each may or may not be stored, a batch only whole.</summary>
        public List<Write[]> Unanswered { get; } = [];

        public List<string> Failures { get; } = [];
    }

    private static Dictionary<string, string> Environment(string directory, TestStore store) => new(store.Environment)
    {
        ["Model__Directory"] = Path.Combine(directory, "models"),
        ["Training__Interval"] = "00:00:00",
        ["Training__Debounce"] = "00:00:00",
        ["Training__TrainOnStart"] = "false",
        ["RateLimits__Enabled"] = "false",
        ["ASPNETCORE_ENVIRONMENT"] = "Development",
    };

    [Fact]
    public async Task AcknowledgedWrites_SurviveSigkill_AndTheLastModelIsServedAtOnceAfterRestart()
    {
        var directory = Directory.CreateTempSubdirectory("recommender-crash-").FullName;
        using var store = TestStore.Create(directory, "crash");
        var random = new Random(20261129);
        var ledger = new Ledger();
        ServiceProcess? service = null;
        try
        {
            AssertDurableCommits(store);
            service = await ServiceProcess.StartAsync(Environment(directory, store));
            using (var client = service.CreateClient())
            {
                await RetrainAsync(client);
            }

            for (var round = 1; round <= Rounds; round++)
            {
                using var client = service.CreateClient();
                var version = await VersionAsync(client);
                if (round % 4 == 0)
                {
                    version = await RetrainAsync(client);
                }

                // Some rounds ask for a retrain while the writes run, so the kill may land inside training or publishing.
                var retrainDuringWrites = round % 3 == 0;
                var killAfter = random.Next(10, 120);
                await WriteUntilKilledAsync(service, round, killAfter, retrainDuringWrites, ledger);

                var active = VerifyStoreOffline(store, ledger);
                Assert.True(active >= version, $"round {round}: the active version {active} is older than {version}");
                if (!retrainDuringWrites)
                {
                    Assert.Equal(version, active);
                }

                service.Dispose();
                service = await ServiceProcess.StartAsync(Environment(directory, store));
                using var restarted = service.CreateClient();
                Assert.Equal(HttpStatusCode.OK, (await restarted.GetAsync("/health/ready")).StatusCode);
                Assert.Equal(active, await VersionAsync(restarted));
                await VerifyThroughApiAsync(restarted, ledger);
            }

            Assert.Empty(ledger.Failures);
            Assert.True(ledger.Acknowledged.Count >= Rounds * 10, $"only {ledger.Acknowledged.Count} writes were acknowledged");
        }
        finally
        {
            service?.Dispose();
            store.ReleaseConnections();
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Writers post single ratings and batches of three until the service is killed after <paramref name="killAfter"/> acknowledgements.</summary>
    private static async Task WriteUntilKilledAsync(ServiceProcess service, int round, int killAfter, bool retrain, Ledger ledger)
    {
        var acknowledged = 0;
        var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            using var client = service.CreateClient();
            for (var n = 0; n < 10_000; n++)
            {
                var user = $"crash-w{w}";
                var rating = 0.5 + ((round + n + w) % 10 * 0.5);
                Write[] writes = n % 3 == 2
                    ? [.. Enumerable.Range(0, 3).Select(k => new Write(user, $"r{round}-n{n}-k{k}", rating))]
                    : [new Write(user, $"r{round}-n{n}", rating)];
                HttpResponseMessage response;
                try
                {
                    response = writes.Length == 1
                        ? await client.PostAsJsonAsync("/api/ratings", new { userId = writes[0].UserId, itemId = writes[0].ItemId, rating })
                        : await client.PostAsJsonAsync("/api/ratings/batch", new { ratings = writes.Select(x => new { userId = x.UserId, itemId = x.ItemId, rating = x.Rating }) });
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    lock (ledger)
                    {
                        ledger.Unanswered.Add(writes);
                    }

                    return;
                }

                lock (ledger)
                {
                    if (response.IsSuccessStatusCode)
                    {
                        ledger.Acknowledged.AddRange(writes);
                    }
                    else
                    {
                        ledger.Failures.Add($"round {round}: {(int)response.StatusCode} for {writes[0].ItemId}");
                        enough.TrySetResult();
                        return;
                    }
                }

                if (Interlocked.Add(ref acknowledged, writes.Length) >= killAfter)
                {
                    enough.TrySetResult();
                }
            }
        })).ToList();

        if (retrain)
        {
            using var client = service.CreateClient();
            Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync("/api/model/retrain", null)).StatusCode);
        }

        await enough.Task.WaitAsync(TimeSpan.FromSeconds(120));
        service.Kill();
        await Task.WhenAll(writers).WaitAsync(TimeSpan.FromSeconds(120));
        Assert.Empty(ledger.Failures);
    }

    /// <summary>
    /// On PostgreSQL a commit is acknowledged once its WAL is flushed only with fsync and synchronous_commit on (the
    /// server's defaults): a test of acknowledged writes is worth nothing on a server configured otherwise.
    /// </summary>
    private static void AssertDurableCommits(TestStore store)
    {
        if (!TestStore.IsPostgres)
        {
            return;
        }

        using var connection = store.Open();
        using var settings = connection.CreateCommand();
        settings.CommandText = "SELECT current_setting('fsync') || ' ' || current_setting('synchronous_commit');";
        Assert.Equal("on on", settings.ExecuteScalar() as string);
    }

    /// <summary>With the process dead: the store passes its integrity check, every acknowledged write is there with its value, every cut-off batch is all or nothing. Returns the active model version.</summary>
    private static long VerifyStoreOffline(TestStore store, Ledger ledger)
    {
        Assert.Equal("ok", store.IntegrityCheck());
        using var connection = store.Open();
        var stored = new Dictionary<(string, string), double>();
        using (var query = connection.CreateCommand())
        {
            query.CommandText = """SELECT "UserId", "ItemId", "Value" FROM "ratings" WHERE "UserId" LIKE 'crash-%';""";
            using var reader = query.ExecuteReader();
            while (reader.Read())
            {
                stored[(reader.GetString(0), reader.GetString(1))] = reader.GetDouble(2);
            }
        }

        foreach (var write in ledger.Acknowledged)
        {
            Assert.True(stored.TryGetValue((write.UserId, write.ItemId), out var value), $"acknowledged {write} is lost");
            Assert.Equal(write.Rating, value);
        }

        foreach (var batch in ledger.Unanswered)
        {
            var present = batch.Count(w => stored.ContainsKey((w.UserId, w.ItemId)));
            Assert.True(present == 0 || present == batch.Length, $"a cut-off batch was partly written: {present} of {batch.Length}");
        }

        using var active = connection.CreateCommand();
        active.CommandText = """SELECT "Version" FROM "model_versions" WHERE "State" = 'Active';""";
        return Convert.ToInt64(active.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>The restarted service answers for every acknowledged write.</summary>
    private static async Task VerifyThroughApiAsync(HttpClient client, Ledger ledger)
    {
        foreach (var user in ledger.Acknowledged.Select(w => w.UserId).Distinct())
        {
            var page = await client.GetFromJsonAsync<JsonElement>($"/api/ratings?userId={user}&pageSize=1");
            var acknowledged = ledger.Acknowledged.Count(w => w.UserId == user);
            Assert.InRange(page.GetProperty("total").GetInt32(), acknowledged, acknowledged + ledger.Unanswered.Sum(b => b.Count(w => w.UserId == user)));
        }
    }

    private static async Task<long?> VersionAsync(HttpClient client)
    {
        var version = (await client.GetFromJsonAsync<JsonElement>("/api/model")).GetProperty("version");
        return version.ValueKind == JsonValueKind.Null ? null : version.GetInt64();
    }

    private static async Task<JsonElement> ModelAsync(HttpClient client) => await client.GetFromJsonAsync<JsonElement>("/api/model");

    /// <summary>
    /// Asks for a run and polls the separate process (bounded) until it has finished; returns the serving version, which
    /// is unchanged when the quality gate refused the new model.
    /// </summary>
    private static async Task<long> RetrainAsync(HttpClient client)
    {
        var before = (await ModelAsync(client)).GetProperty("training").GetProperty("lastFinishedAt").ToString();
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync("/api/model/retrain", null)).StatusCode);
        for (var poll = 0; poll < 600; poll++)
        {
            var model = await ModelAsync(client);
            var training = model.GetProperty("training");
            if (training.GetProperty("state").GetString() == "idle" && training.GetProperty("lastFinishedAt").ToString() != before
                && model.GetProperty("version").ValueKind == JsonValueKind.Number)
            {
                return model.GetProperty("version").GetInt64();
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("the training run did not finish within a minute");
    }
}
