using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Recommender.Data;

namespace Recommender.Api.Tests;

/// <summary>
/// How an import's staged ratings reach the store: staged in memory and sorted there, or — past
/// <c>Limits:ImportMemoryBytes</c> — moved part-way into a temporary table on disk, the store ends the same; a large
/// import rebuilds the item index, and a failed one leaves it as it was.
/// </summary>
public sealed class ImportApplyTests
{
    /// <summary>
    /// 4,000 lines over 37 users × 53 items (1,961 pairs), so most pairs come several times with different values; every
    /// third line has a timestamp. The expected store keeps each pair's last line.
    /// </summary>
    private static (string Body, Dictionary<(string User, string Item), (double Value, long? Timestamp)> Last) RepeatedPairs()
    {
        var body = new StringBuilder();
        var last = new Dictionary<(string, string), (double, long?)>();
        for (var n = 0; n < 4000; n++)
        {
            var (user, item, value) = ($"u{n % 37}", $"i{n % 53}", 0.5 + (n % 10 * 0.5));
            long? seconds = n % 3 == 0 ? 1_600_000_000 + n : null;
            body.Append(CultureInfo.InvariantCulture, $"{user},{item},{value}").Append(seconds is { } s ? $",{s}\n" : "\n");
            last[(user, item)] = (value, seconds * 1000);
        }

        return (body.ToString(), last);
    }

    [Theory]
    [InlineData("1073741824")] // everything in memory
    [InlineData("40000")] // a thousand or so ratings in memory, the rest on disk
    [InlineData("0")] // on disk from the first rating
    public async Task Import_StoresEachPairsLastLine_WhetherStagedInMemory_SpilledPartWay_OrOnDisk(string memoryBudget)
    {
        using var app = new RecommenderApp(demo: false, settings: new()
        {
            ["Training:TrainOnStart"] = "false",
            ["Limits:ImportMemoryBytes"] = memoryBudget,
        });
        var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/ratings", new { userId = "u1", itemId = "i1", rating = 5 })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/ratings", new { userId = "kept", itemId = "i1", rating = 2 })).StatusCode);
        var (body, last) = RepeatedPairs();

        var response = await client.PostAsync("/api/ratings/import", new StringContent(body, Encoding.UTF8, "text/csv"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(4000, result.GetProperty("imported").GetInt64());
        Assert.Equal(37, result.GetProperty("users").GetInt32());

        using var store = app.Store.Open();
        var stored = new Dictionary<(string, string), (double, long)>();
        using (var query = store.CreateCommand())
        {
            query.CommandText = """SELECT "UserId", "ItemId", "Value", "Timestamp" FROM ratings""";
            using var reader = query.ExecuteReader();
            while (reader.Read())
            {
                stored[(reader.GetString(0), reader.GetString(1))] = (reader.GetDouble(2), reader.GetInt64(3));
            }
        }

        Assert.Equal(last.Count + 1, stored.Count);
        Assert.Equal(2.0, stored[("kept", "i1")].Item1);
        foreach (var ((user, item), (value, timestamp)) in last)
        {
            var (storedValue, storedTimestamp) = stored[(user, item)];
            Assert.Equal(value, storedValue, 1e-9);
            if (timestamp is { } milliseconds)
            {
                Assert.Equal(milliseconds, storedTimestamp);
            }
        }

        // Every rating's user and item exists (the apply writes them itself, so it does not check each rating's keys).
        using var orphans = store.CreateCommand();
        orphans.CommandText = """
            SELECT (SELECT COUNT(*) FROM ratings r WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u."Id" = r."UserId"))
                 + (SELECT COUNT(*) FROM ratings r WHERE NOT EXISTS (SELECT 1 FROM items i WHERE i."Id" = r."ItemId"))
            """;
        Assert.Equal(0L, Convert.ToInt64(orphans.ExecuteScalar(), CultureInfo.InvariantCulture));
        Assert.Equal(38, (await client.GetFromJsonAsync<JsonElement>("/api/users?pageSize=1")).GetProperty("total").GetInt32());
        Assert.Equal("ok", app.Store.IntegrityCheck());
    }

    [SqliteOnlyFact("the item index is rebuilt by SQLite's apply")]
    public async Task Import_AsLargeAsTheStore_RebuildsTheItemIndex_AsTheMigrationsMadeIt_AndAFailedOneLeavesItAsItWas()
    {
        var fault = new StoreFault();
        using var app = new RecommenderApp(
            demo: false,
            settings: new() { ["Training:TrainOnStart"] = "false" },
            services: s => s.ConfigureDbContext<RecommenderDbContext>(o => o.AddInterceptors(fault)));
        var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/ratings", new { userId = "first", itemId = "i7", rating = 3 })).StatusCode);
        var index = IndexSql(app.Store);
        Assert.Contains("\"ItemId\"", index, StringComparison.Ordinal);
        var body = string.Concat(Enumerable.Range(0, 120_000).Select(n => $"user{n % 4000},i{n * 7919 % 120_000},{1 + (n % 5)}\n"));

        // A full disk at commit: nothing is stored, and the dropped index comes back with the rollback.
        fault.FailAtCommit(StoreFault.Kind.Full);
        var failed = await client.PostAsync("/api/ratings/import", new StringContent(body, Encoding.UTF8, "text/csv"));
        fault.Clear();
        Assert.Equal((HttpStatusCode)507, failed.StatusCode);
        Assert.Equal(1, (await client.GetFromJsonAsync<JsonElement>("/api/ratings?pageSize=1")).GetProperty("total").GetInt32());
        Assert.Equal(index, IndexSql(app.Store));

        var imported = await client.PostAsync("/api/ratings/import", new StringContent(body, Encoding.UTF8, "text/csv"));

        Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
        Assert.Equal(index, IndexSql(app.Store));
        Assert.Equal("ok", app.Store.IntegrityCheck());
        using var store = app.Store.Open();
        using var plan = store.CreateCommand();
        plan.CommandText = """EXPLAIN QUERY PLAN SELECT "UserId" FROM ratings WHERE "ItemId" = 'i7'""";
        Assert.Contains("IX_ratings_ItemId", ReadPlan(plan), StringComparison.Ordinal);
        using var keys = store.CreateCommand();
        keys.CommandText = "PRAGMA foreign_key_check;";
        using (var reader = keys.ExecuteReader())
        {
            Assert.False(reader.Read(), "a rating refers to a user or item that does not exist");
        }

        var ofItem = await client.GetFromJsonAsync<JsonElement>("/api/ratings?itemId=i7&pageSize=100");
        Assert.Equal(2, ofItem.GetProperty("total").GetInt32());
    }

    private static string IndexSql(TestStore store)
    {
        using var connection = store.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'IX_ratings_ItemId'""";
        return command.ExecuteScalar() as string ?? "(no index)";
    }

    private static string ReadPlan(System.Data.Common.DbCommand plan)
    {
        using var reader = plan.ExecuteReader();
        var text = new StringBuilder();
        while (reader.Read())
        {
            text.Append(reader.GetString(reader.FieldCount - 1)).Append('\n');
        }

        return text.ToString();
    }
}
