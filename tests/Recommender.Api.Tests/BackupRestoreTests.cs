using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Recommender.Api.Tests;

/// <summary>
/// <c>recommender backup</c> against the real service while it takes writes, and the README's restore: stop, copy
/// back into the store's folder, start.
/// </summary>
public sealed class BackupRestoreTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("recommender-backup-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private const string Why = "recommender backup copies a SQLite file; a PostgreSQL store is backed up with PostgreSQL's tools";

    private string Folder(string name) => Directory.CreateDirectory(Path.Combine(_directory, name)).FullName;

    private static Dictionary<string, string> Environment(string folder, bool trainOnStart = true) => new()
    {
        ["ConnectionStrings__Recommender"] = $"Data Source={Path.Combine(folder, "recommender.db")}",
        ["Model__Directory"] = Path.Combine(folder, "models"),
        ["Training__Interval"] = "00:00:00",
        ["Training__Debounce"] = "00:00:00",
        ["Training__TrainOnStart"] = trainOnStart ? "true" : "false",
        ["RateLimits__Enabled"] = "false",
        ["ASPNETCORE_ENVIRONMENT"] = "Development",
    };

    [SqliteOnlyFact(Why)]
    public async Task Backup_TakenWhileRatingsAreWritten_RestoresEveryRatingAcknowledgedBeforeIt_AndRetrainsWithoutSnapshots()
    {
        var (live, backups, restored) = (Folder("live"), Folder("backups"), Folder("restored"));
        var backup = Path.Combine(backups, "recommender.db");
        var acknowledged = new ConcurrentQueue<(string User, string Item, double Rating)>();
        (string User, string Item, double Rating)[] before;
        using (var service = await ServiceProcess.StartAsync(Environment(live)))
        {
            await service.WaitForLineAsync(line => line.Contains("Published version 1", StringComparison.Ordinal));
            using var stop = new CancellationTokenSource();
            var hundred = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var writers = Enumerable.Range(0, 3).Select(w => Task.Run(async () =>
            {
                using var client = service.CreateClient();
                for (var n = 0; !stop.IsCancellationRequested; n++)
                {
                    var (user, item, rating) = ($"writer-{w}", $"item-{n}", 0.5 + n % 10 * 0.5);
                    var response = await client.PostAsJsonAsync("/api/ratings", new { userId = user, itemId = item, rating }, CancellationToken.None);
                    Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} for {user}, {item}");
                    acknowledged.Enqueue((user, item, rating));
                    if (acknowledged.Count >= 100)
                    {
                        hundred.TrySetResult();
                    }
                }
            })).ToList();
            // A writer that fails ends the wait too, and its exception surfaces below.
            await Task.WhenAny(hundred.Task, Task.WhenAny(writers)).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.DoesNotContain(writers, w => w.IsFaulted);

            before = [.. acknowledged];
            var (code, output, error) = await CliProcess.RunAsync("backup", "--database", Path.Combine(live, "recommender.db"), "--output", backup);
            var during = acknowledged.Count - before.Length;
            await stop.CancelAsync();
            await Task.WhenAll(writers);

            Assert.True(code == 0, $"backup exited with {code}: {output}{error}");
            Assert.Contains("integrity ok", output, StringComparison.Ordinal);
            Assert.True(during > 0, "no write was acknowledged while the backup ran");
        }

        // The README's restore: the service is stopped; the backup becomes the store's database; no snapshots.
        File.Copy(backup, Path.Combine(restored, "recommender.db"));
        Assert.Equal("ok", IntegrityCheck(Path.Combine(restored, "recommender.db")));
        using (var service = await ServiceProcess.StartAsync(Environment(restored)))
        {
            await service.WaitForLineAsync(line => line.Contains("Published version 2", StringComparison.Ordinal));
            using var client = service.CreateClient();
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
            foreach (var writer in before.GroupBy(w => w.User))
            {
                var stored = await RatingsAsync(client, writer.Key);
                foreach (var (_, item, rating) in writer)
                {
                    Assert.True(stored.TryGetValue(item, out var value) && value == rating, $"{writer.Key}, {item} acknowledged before the backup is missing");
                }
            }
        }
    }

    [SqliteOnlyFact(Why)]
    public async Task Backup_WithItsSnapshots_IsServedAtOnceAfterARestore_WithoutRetraining()
    {
        var (live, backups, restored) = (Folder("live"), Folder("backups"), Folder("restored"));
        using (var service = await ServiceProcess.StartAsync(Environment(live)))
        {
            await service.WaitForLineAsync(line => line.Contains("Published version 1", StringComparison.Ordinal));
            var (code, output, error) = await CliProcess.RunAsync(
                "backup", "--database", Path.Combine(live, "recommender.db"), "--output", Path.Combine(backups, "recommender.db"),
                "--models", Path.Combine(live, "models"), "--models-output", Path.Combine(backups, "models"));
            Assert.True(code == 0, $"backup exited with {code}: {output}{error}");
            Assert.Contains("snapshots        1 copied", output, StringComparison.Ordinal);
        }

        File.Copy(Path.Combine(backups, "recommender.db"), Path.Combine(restored, "recommender.db"));
        Directory.Move(Path.Combine(backups, "models"), Path.Combine(restored, "models"));
        using (var service = await ServiceProcess.StartAsync(Environment(restored, trainOnStart: false)))
        {
            using var client = service.CreateClient();
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
            Assert.Equal(1, (await client.GetFromJsonAsync<JsonElement>("/api/model")).GetProperty("version").GetInt64());
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/users/Hermione/recommendations")).StatusCode);
        }
    }

    [SqliteOnlyFact(Why)]
    public async Task Backup_RefusesToOverwriteAFile_AndNamesAMissingDatabase()
    {
        var existing = Path.Combine(_directory, "existing.db");
        await File.WriteAllTextAsync(existing, "keep me");

        var (code, _, error) = await CliProcess.RunAsync("backup", "--database", Path.Combine(_directory, "none.db"), "--output", Path.Combine(_directory, "new.db"));
        Assert.Equal(1, code);
        Assert.Contains("none.db", error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_directory, "none.db")), "the missing database was created");

        (code, _, error) = await CliProcess.RunAsync("backup", "--database", existing, "--output", existing);
        Assert.Equal(1, code);
        Assert.Contains("exists", error, StringComparison.Ordinal);
        Assert.Equal("keep me", await File.ReadAllTextAsync(existing));
    }

    private static async Task<Dictionary<string, double>> RatingsAsync(HttpClient client, string userId)
    {
        var ratings = new Dictionary<string, double>();
        for (var page = 1; ; page++)
        {
            var body = await client.GetFromJsonAsync<JsonElement>($"/api/ratings?userId={userId}&page={page}&pageSize=100");
            foreach (var rating in body.GetProperty("items").EnumerateArray())
            {
                ratings[rating.GetProperty("itemId").GetString()!] = rating.GetProperty("rating").GetDouble();
            }

            if (page * 100 >= body.GetProperty("total").GetInt32())
            {
                return ratings;
            }
        }
    }

    private static string? IntegrityCheck(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check;";
        return command.ExecuteScalar()?.ToString();
    }
}
