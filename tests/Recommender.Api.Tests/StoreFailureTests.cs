using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Recommender.Data;

namespace Recommender.Api.Tests;

/// <summary>
/// Every write path answers a store that cannot take writes with a ProblemDetails that says so — 503 with Retry-After
/// while it is busy or cannot be reached, 507 when its disk is full — stores nothing of the write, and keeps
/// <c>/health/ready</c> at 503 until a write commits again; on either provider, with that provider's own errors.
/// </summary>
public sealed class StoreFailureTests
{
    /// <summary>A write: how to send it, and the status it gets once the store takes writes again.</summary>
    public sealed record Write(string Name, Func<HttpClient, Task<HttpResponseMessage>> Send, HttpStatusCode Success)
    {
        public override string ToString() => Name;
    }

    private static readonly Write[] Writes =
    [
        new("single rating", c => c.PostAsJsonAsync("/api/ratings", new { userId = "newcomer", itemId = "Firework", rating = 4 }), HttpStatusCode.Created),
        new("batch", c => c.PostAsJsonAsync("/api/ratings/batch", new
        {
            ratings = new[] { new { userId = "newcomer", itemId = "Firework", rating = 4 }, new { userId = "Spock", itemId = "New Song", rating = 2 } },
        }), HttpStatusCode.OK),
        new("import", c => c.PostAsync("/api/ratings/import", new StringContent("newcomer,Firework,4\nSpock,New Song,2\n", Encoding.UTF8, "text/csv")), HttpStatusCode.OK),
        new("item", c => c.PutAsJsonAsync("/api/items/Thriller", new { displayName = "Thriller" }), HttpStatusCode.Created),
        new("rating deletion", c => c.DeleteAsync("/api/ratings/Hermione/Firework"), HttpStatusCode.NoContent),
        new("user deletion", c => c.DeleteAsync("/api/users/Spock"), HttpStatusCode.NoContent),
    ];

    /// <summary>
    /// Every write with every failure the run's store can have: SQLite's busy (when the transaction begins) and full disk
    /// (when it commits); PostgreSQL's lock timeout, deadlock and refused connection (when the transaction begins), full
    /// disk and serialization failure (when it commits).
    /// </summary>
    public static TheoryData<Write, StoreFault.Kind> Cases()
    {
        StoreFault.Kind[] kinds = TestStore.IsPostgres
            ? [StoreFault.Kind.Busy, StoreFault.Kind.Full, StoreFault.Kind.Serialization, StoreFault.Kind.Deadlock, StoreFault.Kind.Refused]
            : [StoreFault.Kind.Busy, StoreFault.Kind.Full];
        var cases = new TheoryData<Write, StoreFault.Kind>();
        foreach (var write in Writes)
        {
            foreach (var kind in kinds)
            {
                cases.Add(write, kind);
            }
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Write_AnswersWhatHappened_StoresNothing_AndReadinessFailsUntilAWriteCommits(Write write, StoreFault.Kind failure)
    {
        var fault = new StoreFault();
        using var app = new RecommenderApp(services: s => s.ConfigureDbContext<RecommenderDbContext>(o => o.AddInterceptors(fault)));
        var client = app.CreateClient();
        await app.WaitForModelAsync();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
        var before = await StoreAsync(client);

        if (failure is StoreFault.Kind.Full or StoreFault.Kind.Serialization)
        {
            fault.FailAtCommit(failure);
        }
        else
        {
            fault.FailAtBegin(failure);
        }

        var response = await write.Send(client);

        switch (failure)
        {
            case StoreFault.Kind.Full:
                await ProblemAssert.IsProblemAsync(response, HttpStatusCode.InsufficientStorage, "disk is full");
                Assert.Null(response.Headers.RetryAfter);
                break;
            case StoreFault.Kind.Refused:
                await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable, "could not be reached");
                Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
                break;
            default:
                await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable, "busy");
                Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
                break;
        }

        Assert.DoesNotContain("injected", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, await StoreAsync(client));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/health/ready")).StatusCode);

        fault.Clear();
        Assert.Equal(write.Success, (await write.Send(client)).StatusCode);
        Assert.NotEqual(before, await StoreAsync(client));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task Readiness_Recovers_WhenAProbeWriteCommits_WithoutWaitingForAClientWrite()
    {
        var fault = new StoreFault();
        using var app = new RecommenderApp(services: s => s.ConfigureDbContext<RecommenderDbContext>(o => o.AddInterceptors(fault)));
        var client = app.CreateClient();
        await app.WaitForModelAsync();
        fault.FailAtCommit(StoreFault.Kind.Full);
        Assert.Equal(HttpStatusCode.InsufficientStorage, (await Writes[0].Send(client)).StatusCode);
        var failing = await client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, failing.StatusCode);

        // A load balancer that stopped sending traffic must see the store recover without any client write.
        fault.Clear();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task Write_Answers503Busy_WhileAnotherWriterHoldsTheLockPastTheTimeout_AndCommitsOnceItIsReleased()
    {
        // No injected error: a real lock, held by a connection of the test's own, and the store's real timeout.
        using var store = new StoreDirectory();
        using var app = new RecommenderApp(store: store, settings: new() { ["ConnectionStrings:Recommender"] = store.Store.WithLockWait(1) });
        var client = app.CreateClient();
        await app.WaitForModelAsync();
        var before = await StoreAsync(client);

        using (store.Store.HoldWriteLock())
        {
            var busy = await Writes[0].Send(client);

            await ProblemAssert.IsProblemAsync(busy, HttpStatusCode.ServiceUnavailable, "busy");
            Assert.Equal(TimeSpan.FromSeconds(1), busy.Headers.RetryAfter?.Delta);
            Assert.Equal(before, await StoreAsync(client));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/health/ready")).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(Writes[0].Success, (await Writes[0].Send(client)).StatusCode);
    }

    /// <summary>Everything a write could change: every rating, user and item, with names and values.</summary>
    private static async Task<string> StoreAsync(HttpClient client)
    {
        var ratings = await client.GetFromJsonAsync<JsonElement>("/api/ratings?pageSize=100");
        var users = await client.GetFromJsonAsync<JsonElement>("/api/users?pageSize=100");
        var items = await client.GetFromJsonAsync<JsonElement>("/api/items?pageSize=100");
        return $"{ratings.GetProperty("items")}|{users.GetProperty("items")}|{items.GetProperty("items")}";
    }
}
