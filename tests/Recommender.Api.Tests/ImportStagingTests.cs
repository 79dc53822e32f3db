using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Recommender.Api.Tests;

/// <summary>
/// An import reads and checks its whole body before it locks the store, so other writes go on while a slow body arrives,
/// and it still stores everything or nothing.
/// </summary>
public sealed class ImportStagingTests : IDisposable
{
    private const int FirstPartLines = 20_000;

    private readonly BodyProbe _probe = new(readBytes: 100_000);
    private readonly RecommenderApp _app;
    private readonly HttpClient _client;

    public ImportStagingTests()
    {
        _app = new(demo: false, settings: new() { ["Training:TrainOnStart"] = "false" }, services: s => s.AddSingleton<IStartupFilter>(_probe));
        // Without redirects: the redirect handler buffers a request body whole before sending it.
        _client = _app.CreateClient(new() { AllowAutoRedirect = false });
    }

    public void Dispose() => _app.Dispose();

    private async Task<int> CountAsync(string query = "") =>
        (await _client.GetFromJsonAsync<JsonElement>($"/api/ratings?pageSize=1{query}")).GetProperty("total").GetInt32();

    private static string Lines(int from, int count) =>
        string.Concat(Enumerable.Range(from, count).Select(n => $"slow{n % 300},item{n},{1 + n % 5}\n"));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Import_LetsSingleAndBatchWritesThrough_WhileItsBodyStreamsIn_ThenStoresAllOrNothing(bool badLineAtTheEnd)
    {
        var rest = Lines(FirstPartLines, 1000) + (badLineAtTheEnd ? "slow1,item-bad,11\n" : "");
        using var content = new PausedContent(Lines(0, FirstPartLines), rest);
        var import = _client.PostAsync("/api/ratings/import", content);

        // The service has read 100 KB of the body: the import is under way, and the rest of the body waits for the signal.
        await _probe.Read.WaitAsync(TimeSpan.FromSeconds(60));
        var single = await _client.PostAsJsonAsync("/api/ratings", new { userId = "meanwhile", itemId = "single", rating = 4 });
        var batch = await _client.PostAsJsonAsync("/api/ratings/batch", new
        {
            ratings = new[] { new { userId = "meanwhile", itemId = "batch-1", rating = 2 }, new { userId = "other", itemId = "batch-2", rating = 5 } },
        });
        var deleted = await _client.DeleteAsync("/api/ratings/meanwhile/batch-1");
        Assert.Equal(HttpStatusCode.Created, single.StatusCode);
        Assert.Equal(HttpStatusCode.OK, batch.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.False(import.IsCompleted);

        content.SendRest();
        var response = await import;

        if (badLineAtTheEnd)
        {
            await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, $"Line {FirstPartLines + 1001}");
            Assert.Equal(2, await CountAsync());
            Assert.Equal(0, await CountAsync("&userId=slow1"));
        }
        else
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var result = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(FirstPartLines + 1000, result.GetProperty("imported").GetInt64());
            Assert.Equal(300, result.GetProperty("users").GetInt32());
            Assert.Equal(FirstPartLines + 1000 + 2, await CountAsync());
        }
    }

    [Fact]
    public async Task Import_CanBeFollowedWhileItsBodyStreamsIn_ById_AndIsListedAfterItEnded()
    {
        using var content = new PausedContent(Lines(0, FirstPartLines), Lines(FirstPartLines, 1000));
        var import = _client.PostAsync("/api/ratings/import?id=nightly-1", content);
        await _probe.Read.WaitAsync(TimeSpan.FromSeconds(60));

        // The service counts what it has read every 16,384 ratings; the first part of the body holds 20,000.
        JsonElement running;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        do
        {
            running = await _client.GetFromJsonAsync<JsonElement>("/api/ratings/imports/nightly-1");
        }
        while (running.GetProperty("ratings").GetInt64() == 0 && DateTime.UtcNow < deadline && await Task.Delay(20).ContinueWith(_ => true));

        Assert.Equal("staging", running.GetProperty("state").GetString());
        Assert.Equal(16_384, running.GetProperty("ratings").GetInt64());
        Assert.True(running.GetProperty("ratingsPerSecond").GetDouble() > 0);
        Assert.Equal(JsonValueKind.Null, running.GetProperty("users").ValueKind);
        var listed = await _client.GetFromJsonAsync<JsonElement>("/api/ratings/imports");
        Assert.Equal("nightly-1", Assert.Single(listed.GetProperty("imports").EnumerateArray()).GetProperty("id").GetString());

        // Another import may not take a running import's id.
        var clash = await _client.PostAsync("/api/ratings/import?id=nightly-1", new StringContent("a,b,3\n", Encoding.UTF8, "text/csv"));
        await ProblemAssert.IsProblemAsync(clash, HttpStatusCode.Conflict, "nightly-1");

        content.SendRest();
        var response = await import;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("nightly-1", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString());
        var ended = await _client.GetFromJsonAsync<JsonElement>("/api/ratings/imports/nightly-1");
        Assert.Equal("imported", ended.GetProperty("state").GetString());
        Assert.Equal(FirstPartLines + 1000, ended.GetProperty("ratings").GetInt64());
        Assert.Equal(300, ended.GetProperty("users").GetInt32());

        // A failed import is listed with why it stored nothing; an unknown id is a 404.
        var bad = await _client.PostAsync("/api/ratings/import", new StringContent("a,b,3\na,c,99\n", Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var imports = (await _client.GetFromJsonAsync<JsonElement>("/api/ratings/imports")).GetProperty("imports").EnumerateArray().ToList();
        Assert.Equal(2, imports.Count);
        Assert.Equal("failed", imports[0].GetProperty("state").GetString());
        Assert.Contains("Line 2", imports[0].GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("nightly-1", imports[1].GetProperty("id").GetString());
        await ProblemAssert.IsProblemAsync(await _client.GetAsync("/api/ratings/imports/no-such-import"), HttpStatusCode.NotFound, "no-such-import");
    }

    [Fact]
    public async Task Import_Answers408AndStoresNothing_WhenItsBodyStopsArriving()
    {
        using var app = new RecommenderApp(demo: false, settings: new() { ["Training:TrainOnStart"] = "false", ["Limits:ImportIdleTimeout"] = "00:00:00.5" });
        var client = app.CreateClient(new() { AllowAutoRedirect = false });
        using var content = new PausedContent(Lines(0, 1000), Lines(1000, 10));

        // Bounded, so that a service that waits for the body forever fails the test instead of hanging it.
        var response = await client.PostAsync("/api/ratings/import", content).WaitAsync(TimeSpan.FromSeconds(60));
        content.SendRest();

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestTimeout, "Limits:ImportIdleTimeout");
        Assert.Equal(0, (await client.GetFromJsonAsync<JsonElement>("/api/ratings?pageSize=1")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Import_IsInterruptedAndRolledBack_WhenApplyingRunsPastItsLimit()
    {
        // Every rating the import applies calls slow_row() from a trigger, which takes a millisecond: 5,000 of them take
        // five seconds, far past the limit, unless the running statement is interrupted.
        var slow = new SlowRows();
        using var app = new RecommenderApp(
            demo: false,
            settings: new() { ["Training:TrainOnStart"] = "false", ["Limits:ImportApplyTimeout"] = "00:00:00.2" },
            services: s => s.ConfigureDbContext<Data.RecommenderDbContext>(o => o.AddInterceptors(slow)));
        var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/ratings", new { userId = "before", itemId = "x", rating = 3 })).StatusCode);
        SlowRows.AddTrigger(app.Store);

        var response = await client.PostAsync("/api/ratings/import", new StringContent(Lines(0, 5000), Encoding.UTF8, "text/csv"));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable, "Limits:ImportApplyTimeout");
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.InRange(slow.Calls(app.Store), 1, 4999);
        var total = (await client.GetFromJsonAsync<JsonElement>("/api/ratings?pageSize=1")).GetProperty("total").GetInt32();
        Assert.Equal(1, total);
        Assert.Equal(0, (await client.GetFromJsonAsync<JsonElement>("/api/users?search=slow")).GetProperty("total").GetInt32());
    }

    /// <summary>
    /// A trigger that runs slow_row(), a millisecond each, for every rating of a user whose id begins with "slow", and
    /// counts its calls. SQLite: a function this interceptor gives every connection the service opens. PostgreSQL: a
    /// PL/pgSQL function that sleeps and draws from a sequence, which a rollback does not undo.
    /// </summary>
    private sealed class SlowRows : Microsoft.EntityFrameworkCore.Diagnostics.DbConnectionInterceptor
    {
        private int _calls;

        public static void AddTrigger(TestStore store)
        {
            using var connection = store.Open();
            using var trigger = connection.CreateCommand();
            trigger.CommandText = TestStore.IsPostgres
                ? """
                  CREATE SEQUENCE slow_rows;
                  CREATE FUNCTION slow_row() RETURNS trigger LANGUAGE plpgsql AS
                      $$ BEGIN PERFORM nextval('slow_rows'); PERFORM pg_sleep(0.001); RETURN NULL; END $$;
                  CREATE TRIGGER slow_ratings AFTER INSERT ON ratings FOR EACH ROW WHEN (NEW."UserId" LIKE 'slow%') EXECUTE FUNCTION slow_row();
                  """
                : "CREATE TRIGGER slow_ratings AFTER INSERT ON ratings WHEN NEW.UserId LIKE 'slow%' BEGIN SELECT slow_row(); END;";
            trigger.ExecuteNonQuery();
        }

        public int Calls(TestStore store)
        {
            if (!TestStore.IsPostgres)
            {
                return Volatile.Read(ref _calls);
            }

            using var connection = store.Open();
            using var count = connection.CreateCommand();
            count.CommandText = "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM slow_rows;";
            return Convert.ToInt32(count.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }

        public override Task ConnectionOpenedAsync(
            System.Data.Common.DbConnection connection, Microsoft.EntityFrameworkCore.Diagnostics.ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            ConnectionOpened(connection, eventData);
            return Task.CompletedTask;
        }

        public override void ConnectionOpened(System.Data.Common.DbConnection connection, Microsoft.EntityFrameworkCore.Diagnostics.ConnectionEndEventData eventData)
        {
            if (connection is Microsoft.Data.Sqlite.SqliteConnection sqlite)
            {
                sqlite.CreateFunction("slow_row", () =>
                {
                    Interlocked.Increment(ref _calls);
                    Thread.Sleep(1);
                    return 0;
                });
            }
        }
    }

    /// <summary>Signals once the service has read <c>readBytes</c> of an import's request body.</summary>
    private sealed class BodyProbe(long readBytes) : IStartupFilter
    {
        private readonly TaskCompletionSource _read = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Read => _read.Task;

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, nextMiddleware) =>
            {
                if (context.Request.Path.StartsWithSegments("/api/ratings/import", StringComparison.Ordinal))
                {
                    context.Request.Body = new CountingStream(context.Request.Body, read => { if (read >= readBytes) _read.TrySetResult(); });
                }

                await nextMiddleware(context);
            });
            next(app);
        };
    }

    /// <summary>A read-only stream that reports how many bytes have been read from it so far.</summary>
    private sealed class CountingStream(Stream inner, Action<long> onRead) : Security.ReadOnlyStream
    {
        private long _read;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken);
            onRead(_read += read);
            return read;
        }
    }

    /// <summary>Sends one part of a body, waits for <see cref="SendRest"/>, then sends the rest; chunked, of unknown length.</summary>
    private sealed class PausedContent : HttpContent
    {
        private readonly byte[] _first;
        private readonly byte[] _rest;
        private readonly TaskCompletionSource _sendRest = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public PausedContent(string first, string rest)
        {
            _first = Encoding.UTF8.GetBytes(first);
            _rest = Encoding.UTF8.GetBytes(rest);
            Headers.ContentType = new("text/csv");
        }

        public void SendRest() => _sendRest.TrySetResult();

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(_first);
            await stream.FlushAsync();
            await _sendRest.Task;
            await stream.WriteAsync(_rest);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }
}
