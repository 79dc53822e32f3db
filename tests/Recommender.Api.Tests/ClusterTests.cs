using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Recommender.Api.Cluster;
using Recommender.Api.Training;
using Recommender.Core.Data;
using Recommender.Core.Training;
using Recommender.Data;

namespace Recommender.Api.Tests;

/// <summary>
/// Several nodes over one PostgreSQL store (Node:Role api and trainer): the trainer lock, fenced publishing, model
/// distribution by polling and freshness across nodes. Each node is a real app in this process on the same database.
/// </summary>
public sealed class ClusterTests
{
    private const string Why = "nodes share their store through PostgreSQL";

    /// <summary>A fact that needs PostgreSQL and the Redis server that <c>RECOMMENDER_TEST_REDIS</c> names (host:port).</summary>
    public sealed class RedisFactAttribute : FactAttribute
    {
        public const string Variable = "RECOMMENDER_TEST_REDIS";

        public RedisFactAttribute() => Skip = !TestStore.IsPostgres
            ? "PostgreSQL and Redis only; this run's store is SQLite."
            : string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable)) ? $"Redis only: {Variable} names no Redis server." : null;
    }

    /// <summary>A node on <paramref name="store"/>'s database, with a snapshot folder of its own.</summary>
    internal static RecommenderApp Node(
        StoreDirectory store, string role, string name, Action<IServiceCollection>? services = null, string poll = "00:00:00.050", string? redis = null) =>
        new(store: store, services: services, settings: new()
        {
            ["Node:Role"] = role,
            ["Node:PollInterval"] = poll,
            ["Node:LockInterval"] = "00:00:00.100",
            ["Model:Directory"] = Path.Combine(store.Path, name),
            ["Redis:Connection"] = redis,
            ["Redis:Channel"] = Channel(store),
        });

    /// <summary>The test's own Redis prefix: its nodes hear each other and share cached snapshots, not other tests'.</summary>
    private static string Channel(StoreDirectory store) => $"test-{Path.GetFileName(store.Path)}";

    private static async Task WaitUntilAsync(Func<bool> condition, string what, int seconds = 30)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(seconds), $"timed out waiting until {what}");
            await Task.Delay(20);
        }
    }

    private static async Task<T> ScalarAsync<T>(StoreDirectory store, string sql)
    {
        using var connection = store.Store.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (T)Convert.ChangeType((await command.ExecuteScalarAsync())!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static long Epoch(RecommenderApp app) => app.Services.GetRequiredService<TrainerLease>().Epoch;

    [SqliteOnlyFact("the check is that the other roles refuse SQLite")]
    public void RolesOtherThanAll_NeedPostgres()
    {
        var error = RecommenderApp.StartUpFailure(() => new RecommenderApp(settings: new() { ["Node:Role"] = "api" }));
        Assert.Contains("Node:Role api needs Store:Provider Postgres", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Node:Role", "leader")]
    [InlineData("Node:Role", "7")]
    [InlineData("Node:PollInterval", "00:00:00")]
    public void InvalidNodeOptions_StopStartUp_NamingTheKey(string key, string value)
    {
        var error = RecommenderApp.StartUpFailure(() => new RecommenderApp(settings: new() { [key] = value }));
        Assert.Contains(key, error.ToString(), StringComparison.Ordinal);
    }

    [PostgresOnlyFact(Why)]
    public async Task TwoTrainers_OnlyOnePublishes_AndTheStandbyTakesOverWhenItStops()
    {
        using var store = new StoreDirectory();
        var a = Node(store, "trainer", "a");
        var b = Node(store, "trainer", "b");
        try
        {
            var clientA = a.CreateClient();
            var clientB = b.CreateClient();
            await WaitUntilAsync(() => a.Models.Current is not null && b.Models.Current is not null, "both trainers serve a model");
            Assert.Equal(1, a.Models.Current!.Model.Version);
            Assert.Equal(1, b.Models.Current!.Model.Version);
            Assert.True((Epoch(a) > 0) ^ (Epoch(b) > 0), $"epochs {Epoch(a)} and {Epoch(b)}: exactly one trainer holds the lock");
            Assert.Equal(1, await ScalarAsync<long>(store, "SELECT count(*) FROM model_versions"));
            Assert.Equal(1, await ScalarAsync<long>(store, "SELECT epoch FROM trainer_lease"));

            var (holder, standby, standbyClient) = Epoch(a) > 0 ? (a, b, clientB) : (b, a, clientA);
            Assert.Null(standby.Status.LastOutcome);
            holder.Dispose();

            // The standby takes the lock (a new epoch), runs as the new trainer (nothing changed: skipped), then publishes.
            await WaitUntilAsync(() => standby.Status.LastOutcome is not null, "the standby took over and ran");
            Assert.Equal(2, await ScalarAsync<long>(store, "SELECT epoch FROM trainer_lease"));
            Assert.Equal(TrainingOutcome.Skipped, standby.Status.LastOutcome);
            (await standbyClient.PostAsJsonAsync("/api/ratings", new { userId = "Hermione", itemId = "Back in Black", rating = 4 })).EnsureSuccessStatusCode();
            Assert.Equal(TrainingOutcome.Published, await standby.RetrainAsync(standbyClient));
            Assert.Equal(2, await ScalarAsync<long>(store, "SELECT version FROM model_current"));
            Assert.Equal(2, await ScalarAsync<long>(store, "SELECT count(*) FROM model_versions"));
            Assert.Equal(2, standby.Models.Current!.Model.Version);
        }
        finally
        {
            a.Dispose();
            b.Dispose();
        }
    }

    [PostgresOnlyFact(Why)]
    public async Task TrainerWhoseSessionWasTerminated_DoesNotPublish()
    {
        using var store = new StoreDirectory();
        var held = new HeldTrainer();
        using var trainer = Node(store, "trainer", "t", s => s.AddSingleton<TrainerFactory>(p => held.Holding ? held.With(p) : Trainers.Create(p)));
        var client = trainer.CreateClient();
        await trainer.WaitForModelAsync();
        (await client.PostAsJsonAsync("/api/ratings", new { userId = "Hermione", itemId = "Back in Black", rating = 4 })).EnsureSuccessStatusCode();

        held.Holding = true;
        var run = trainer.Status.NextRunAsync(CancellationToken.None);
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync("/api/model/retrain", null)).StatusCode);
        await held.Started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, await ScalarAsync<long>(
            store, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'recommender-trainer-lock' AND datname = current_database()"));
        held.Release.Set();

        Assert.Equal(TrainingOutcome.Rejected, await run.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("no longer holds the trainer lock", trainer.Status.LastError, StringComparison.Ordinal);
        Assert.Equal(1, await ScalarAsync<long>(store, "SELECT version FROM model_current"));
        Assert.Equal(0, await ScalarAsync<long>(store, "SELECT count(*) FROM model_versions WHERE \"Version\" > 1"));
        Assert.Equal(1, trainer.Models.Current!.Model.Version);
    }

    [PostgresOnlyFact(Why)]
    public async Task Pointer_MovesOnlyForward_AndOnlyForTheLockHolderWithItsEpoch()
    {
        using var store = new StoreDirectory();
        using (var trainer = Node(store, "trainer", "t"))
        {
            trainer.CreateClient();
            await trainer.WaitForModelAsync();

            // While the node holds the lock, another session can neither take it nor move the pointer with its epoch.
            await using var other = Open(store);
            Assert.Null(await ClusterStore.TryAcquireTrainerLockAsync(other, "test", CancellationToken.None));
            Assert.False(await MoveAsync(other, 50, Epoch(trainer)));
        }

        await using var holder = Open(store);
        var epoch = await ClusterStore.TryAcquireTrainerLockAsync(holder, "test", CancellationToken.None);
        Assert.Equal(2, epoch);
        Assert.False(await MoveAsync(holder, 1, epoch!.Value));
        Assert.False(await MoveAsync(holder, 5, epoch.Value - 1));
        Assert.True(await MoveAsync(holder, 5, epoch.Value));
        Assert.False(await MoveAsync(holder, 3, epoch.Value));
        Assert.Equal(5, await ScalarAsync<long>(store, "SELECT version FROM model_current"));

        // Its session ended: nothing it sends can commit.
        await ScalarAsync<long>(store, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'cluster-test' AND datname = current_database()");
        await Assert.ThrowsAnyAsync<Exception>(() => MoveAsync(holder, 9, epoch.Value));
        Assert.Equal(5, await ScalarAsync<long>(store, "SELECT version FROM model_current"));
    }

    private static NpgsqlConnection Open(StoreDirectory store)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(store.Store.ConnectionString) { Pooling = false, ApplicationName = "cluster-test" }.ConnectionString);
        connection.Open();
        return connection;
    }

    private static async Task<bool> MoveAsync(NpgsqlConnection connection, long version, long epoch)
    {
        await using var transaction = await connection.BeginTransactionAsync();
        var moved = await ClusterStore.MoveCurrentAsync(connection, transaction, version, epoch, CancellationToken.None);
        await transaction.CommitAsync();
        return moved;
    }

    [PostgresOnlyFact(Why)]
    public async Task ApiNode_IsReadyOnlyOnceATrainerPublished_AndFollowsNewVersionsByPolling()
    {
        using var store = new StoreDirectory();
        using var api = Node(store, "api", "r");
        var apiClient = api.CreateClient();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await apiClient.GetAsync("/health/ready")).StatusCode);
        await ProblemAssert.IsProblemAsync(await apiClient.PostAsync("/api/model/retrain", null), HttpStatusCode.Conflict, "never trains");

        using var trainer = Node(store, "trainer", "t");
        var trainerClient = trainer.CreateClient();
        await trainer.WaitForModelAsync();
        await WaitUntilAsync(() => api.Models.Current is not null, "the api node serves the published version");
        Assert.Equal(HttpStatusCode.OK, (await apiClient.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(1, api.Models.Current!.Model.Version);

        (await apiClient.PostAsJsonAsync("/api/ratings", new { userId = "Hermione", itemId = "Back in Black", rating = 4 })).EnsureSuccessStatusCode();
        Assert.Equal(TrainingOutcome.Published, await trainer.RetrainAsync(trainerClient));
        await WaitUntilAsync(() => api.Models.Current!.Model.Version == 2, "the api node serves version 2");
        Assert.Equal(2, await TrainingTests.VersionAsync(apiClient));
        await ProblemAssert.IsProblemAsync(await apiClient.PostAsync("/api/model/versions/1/activate", null), HttpStatusCode.Conflict, "Node:Role all");

        // The replica's folder keeps the serving snapshot and the one before; the store keeps the versions.
        (await apiClient.PostAsJsonAsync("/api/ratings", new { userId = "Hermione", itemId = "Survivor", rating = 2 })).EnsureSuccessStatusCode();
        Assert.Equal(TrainingOutcome.Published, await trainer.RetrainAsync(trainerClient));
        await WaitUntilAsync(() => api.Models.Current!.Model.Version == 3, "the api node serves version 3");
        await WaitUntilAsync(() => Directory.GetFiles(Path.Combine(store.Path, "r"), "model-*.bin").Length == 2, "the replica keeps two snapshots", seconds: 10);
        Assert.Equal(
            ["model-00000002.bin", "model-00000003.bin"],
            Directory.GetFiles(Path.Combine(store.Path, "r"), "model-*.bin").Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [PostgresOnlyFact(Why)]
    public async Task ReplicaWithACorruptStoredSnapshot_KeepsServingWhatItHas()
    {
        using var store = new StoreDirectory();
        using var trainer = Node(store, "trainer", "t");
        var trainerClient = trainer.CreateClient();
        await trainer.WaitForModelAsync();
        using var api = Node(store, "api", "r");
        var apiClient = api.CreateClient();
        await WaitUntilAsync(() => api.Models.Current is not null, "the api node serves version 1");

        // Version 2's chunks are altered after it was stored: its checksum no longer matches, and the replica refuses it.
        await using (var connection = Open(store))
        await using (var trigger = new NpgsqlCommand(
            """
            CREATE FUNCTION corrupt() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.data := NEW.data || '\x00'::bytea; RETURN NEW; END $$;
            CREATE TRIGGER corrupt BEFORE INSERT ON model_snapshot_chunks FOR EACH ROW EXECUTE FUNCTION corrupt();
            """, connection))
        {
            await trigger.ExecuteNonQueryAsync();
        }

        (await trainerClient.PostAsJsonAsync("/api/ratings", new { userId = "Hermione", itemId = "Back in Black", rating = 4 })).EnsureSuccessStatusCode();
        Assert.Equal(TrainingOutcome.Published, await trainer.RetrainAsync(trainerClient));
        var follower = api.Services.GetRequiredService<ClusterFollower>();
        await follower.SyncAsync(CancellationToken.None);
        await follower.SyncAsync(CancellationToken.None);
        Assert.Equal(1, api.Models.Current!.Model.Version);
        Assert.Equal(1, await TrainingTests.VersionAsync(apiClient));
    }

    [PostgresOnlyFact(Why)]
    public async Task RatingWrittenThroughOneNode_ChangesPredictionsOnAnother_WithinOneSecond()
    {
        using var store = new StoreDirectory();
        using var trainer = Node(store, "trainer", "t", poll: "00:00:00.200");
        var trainerClient = trainer.CreateClient();
        await trainer.WaitForModelAsync();
        using var api = Node(store, "api", "r", poll: "00:00:00.200");
        var apiClient = api.CreateClient();
        await WaitUntilAsync(() => api.Models.Current is not null, "the api node serves version 1");
        var before = await TrainingTests.PredictAsync(trainerClient, "Hermione", "Back in Black");
        var recommendationsBefore = await trainerClient.GetStringAsync("/api/users/Hermione/recommendations?count=20&strategy=rating");

        var clock = Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.OK, (await apiClient.PostAsJsonAsync("/api/ratings/batch", new
        {
            ratings = new object[]
            {
                new { userId = "Hermione", itemId = "Another One Bites the Dust", rating = 5 },
                new { userId = "Hermione", itemId = "Survivor", rating = 5 },
                new { userId = "Hermione", itemId = "The Imperial March", rating = 5 },
            },
        })).StatusCode);
        float after;
        while (Math.Abs((after = await TrainingTests.PredictAsync(trainerClient, "Hermione", "Back in Black")) - before) < 0.01)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "the write never reached the other node");
            await Task.Delay(10);
        }

        var seen = clock.Elapsed;
        Assert.True(seen < TimeSpan.FromSeconds(1), $"the other node saw the write after {seen.TotalMilliseconds:F0} ms");
        Assert.NotEqual(recommendationsBefore, await trainerClient.GetStringAsync("/api/users/Hermione/recommendations?count=20&strategy=rating"));
        Assert.Equal(1, await TrainingTests.VersionAsync(trainerClient));
    }

    [PostgresOnlyFact(Why)]
    public async Task RedisThatDoesNotAnswer_FailsNoWriteAndNoRead_AndNodesKeepPolling()
    {
        using var store = new StoreDirectory();
        // Nothing listens on port 1.
        using var trainer = Node(store, "trainer", "t", redis: "127.0.0.1:1,connectTimeout=200");
        var trainerClient = trainer.CreateClient();
        await trainer.WaitForModelAsync();
        using var api = Node(store, "api", "r", redis: "127.0.0.1:1,connectTimeout=200");
        var apiClient = api.CreateClient();
        await WaitUntilAsync(() => api.Models.Current is not null, "the api node serves version 1");
        Assert.False(api.Services.GetRequiredService<ClusterBus>().Connected);
        var before = await TrainingTests.PredictAsync(trainerClient, "Hermione", "Back in Black");

        for (var n = 0; n < 20; n++)
        {
            (await apiClient.PostAsJsonAsync("/api/ratings", new { userId = "Hermione", itemId = "Survivor", rating = 0.5 + n % 10 * 0.5 })).EnsureSuccessStatusCode();
            (await apiClient.GetAsync("/api/users/Hermione/recommendations")).EnsureSuccessStatusCode();
        }

        (await apiClient.PostAsJsonAsync("/api/ratings", new { userId = "Hermione", itemId = "Another One Bites the Dust", rating = 5 })).EnsureSuccessStatusCode();
        var clock = Stopwatch.StartNew();
        while (Math.Abs(await TrainingTests.PredictAsync(trainerClient, "Hermione", "Back in Black") - before) < 0.01)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "the write never reached the other node by polling");
            await Task.Delay(10);
        }
    }

    [RedisFact]
    public async Task WithRedis_NodesHearOfWritesAndVersions_LongBeforeTheirNextPoll()
    {
        using var store = new StoreDirectory();
        var redis = Environment.GetEnvironmentVariable(RedisFactAttribute.Variable)!;
        using var trainer = Node(store, "trainer", "t", poll: "00:01:00", redis: redis);
        var trainerClient = trainer.CreateClient();
        await trainer.WaitForModelAsync();
        using var api = Node(store, "api", "r", poll: "00:01:00", redis: redis);
        var apiClient = api.CreateClient();
        Assert.Equal(1, api.Models.Current?.Model.Version);
        Assert.True(api.Services.GetRequiredService<ClusterBus>().Connected);
        Assert.True(trainer.Services.GetRequiredService<ClusterBus>().Connected);
        var before = await TrainingTests.PredictAsync(trainerClient, "Hermione", "Back in Black");

        // A write through the api node: the trainer node folds Hermione in on the announcement, not a poll a minute away.
        var clock = Stopwatch.StartNew();
        (await apiClient.PostAsJsonAsync("/api/ratings", new { userId = "Hermione", itemId = "Another One Bites the Dust", rating = 5 })).EnsureSuccessStatusCode();
        while (Math.Abs(await TrainingTests.PredictAsync(trainerClient, "Hermione", "Back in Black") - before) < 0.01)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "the announcement never arrived");
            await Task.Delay(10);
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"the trainer node saw the write after {clock.Elapsed.TotalMilliseconds:F0} ms");

        // A version the trainer publishes reaches the api node on its announcement.
        Assert.Equal(TrainingOutcome.Published, await trainer.RetrainAsync(trainerClient));
        await WaitUntilAsync(() => api.Models.Current!.Model.Version == 2, "the api node serves version 2", seconds: 20);
    }

    [RedisFact]
    public async Task WithRedis_ReplicasReadTheSnapshotFromItsCache_AndFromTheStoreWhenTheCachedCopyIsAltered()
    {
        using var store = new StoreDirectory();
        var redis = Environment.GetEnvironmentVariable(RedisFactAttribute.Variable)!;
        using var trainer = Node(store, "trainer", "t", redis: redis);
        await trainer.WaitForModelAsync();

        // The trainer cached what it published under the snapshot's checksum, which PostgreSQL holds too.
        var checksum = await ScalarAsync<string>(store, "SELECT checksum FROM model_snapshots WHERE version = 1");
        using var connection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis);
        var cached = connection.GetDatabase();
        Assert.True(await cached.KeyExistsAsync($"{Channel(store)}:snapshot:{checksum}"));

        async Task<SnapshotCache> ReplicaAsync(string name)
        {
            using var api = Node(store, "api", name, redis: redis);
            await WaitUntilAsync(() => api.Models.Current is not null, $"replica {name} serves version 1");
            Assert.Equal(1, await TrainingTests.VersionAsync(api.CreateClient()));
            return api.Services.GetRequiredService<SnapshotCache>();
        }

        var first = await ReplicaAsync("r1");
        Assert.Equal((1L, 0L, 0L), (first.Hits, first.Misses, first.Rejected));

        // An altered cached copy hashes to something else: the replica reads the store, and caches a good copy again.
        await cached.StringSetRangeAsync($"{Channel(store)}:snapshot:{checksum}:0", 100, "altered");
        var second = await ReplicaAsync("r2");
        Assert.Equal((0L, 1L), (second.Hits, second.Rejected));
        var third = await ReplicaAsync("r3");
        Assert.Equal((1L, 0L), (third.Hits, third.Rejected));
    }

    /// <summary>A trainer that waits for <see cref="Release"/> before fitting, while <see cref="Holding"/>.</summary>
    private sealed class HeldTrainer
    {
        public volatile bool Holding;

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ManualResetEventSlim Release { get; } = new();

        public IFactorTrainer With(TrainingParameters parameters) => new HoldingTrainer(this, parameters);

        private sealed class HoldingTrainer(HeldTrainer held, TrainingParameters parameters) : IFactorTrainer
        {
            public TrainingResult Fit(RatingDataset train, RatingDataset? validation = null, Action<EpochReport>? onEpoch = null, CancellationToken cancellationToken = default)
            {
                held.Started.TrySetResult();
                held.Release.Wait(cancellationToken);
                return Trainers.Create(parameters).Fit(train, validation, onEpoch, cancellationToken);
            }
        }
    }
}
