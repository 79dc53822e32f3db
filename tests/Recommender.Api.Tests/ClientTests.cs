extern alias client;

using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using client::Recommender.Api.Contracts;
using client::Recommender.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Recommender.Api.Tests.Contract;

namespace Recommender.Api.Tests;

/// <summary>
/// <see cref="RecommenderClient"/> against the real service, registered as applications register it
/// (<c>AddRecommenderClient</c>), through the contract check every client of the suite carries.
/// </summary>
public sealed class ClientTests
{
    /// <summary>Routes the client leaves out on purpose: the Prometheus scrape is for Prometheus.</summary>
    private static readonly string[] NotForTheClient = ["* /metrics"];

    /// <summary>A user and an item whose ids need every kind of escaping in a path.</summary>
    private const string OddUser = "ann/1 50%";
    private const string OddItem = "a?b#c ü";

    [Fact]
    public async Task Client_CallsEveryEndpointOfTheService_AndValuesRoundTrip()
    {
        var hit = new ConcurrentDictionary<string, bool>();
        using var app = new RecommenderApp(services: s => s.AddSingleton<IStartupFilter>(new RouteRecorder(hit)));
        app.UseKestrel(0); // Only Kestrel passes the raw request target: ids with '/' and '%' are addressed exactly there.
        app.StartServer();
        var (client, provider) = Create(app);
        using var _ = provider;

        Assert.True(await client.IsLiveAsync());
        await app.WaitForModelAsync();
        Assert.True(await client.IsReadyAsync());
        var first = await client.GetModelAsync();
        Assert.Equal(app.Models.Current!.Model.Version, first.Version);
        Assert.Equal("idle", first.Training.State);

        // Ratings: single (new, then replaced), batch, import, listing, deletion.
        var at = new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
        var created = await client.PostRatingAsync(new RatingRequest { UserId = OddUser, ItemId = OddItem, Rating = 4.5, Timestamp = at });
        Assert.True(created.Created);
        Assert.Equal((OddUser, OddItem, 4.5, at), (created.Value.UserId, created.Value.ItemId, created.Value.Rating, created.Value.Timestamp));
        var replaced = await client.PostRatingAsync(new RatingRequest { UserId = OddUser, ItemId = OddItem, Rating = 2 });
        Assert.False(replaced.Created);
        Assert.Equal(2, replaced.Value.Rating);

        var batch = await client.PostRatingBatchAsync(new RatingBatchRequest
        {
            Ratings =
            [
                new RatingRequest { UserId = OddUser, ItemId = "Survivor", Rating = 5 },
                new RatingRequest { UserId = OddUser, ItemId = OddItem, Rating = 3 },
            ],
        });
        Assert.Equal((1, 1), (batch.Created, batch.Updated));

        using (var file = new MemoryStream(Encoding.UTF8.GetBytes("userId,itemId,rating\nbob,Firework,2\nbob,Survivor,5\n")))
        {
            var imported = await client.ImportRatingsAsync(file, RatingFileFormat.Csv, id: "first import");
            Assert.Equal((2L, 1, "first import"), (imported.Imported, imported.Users, imported.Id));
            Assert.True(file.CanRead, "the caller's stream stays open");
            var import = await client.GetImportAsync("first import");
            Assert.Equal(("imported", 2L, 1), (import.State, import.Ratings, import.Users));
            Assert.Equal("first import", Assert.Single((await client.GetImportsAsync()).Imports).Id);
        }

        var ratings = await client.GetRatingsAsync(userId: OddUser, pageSize: 1);
        Assert.Equal((1, 1, 2), (ratings.PageNumber, ratings.PageSize, ratings.Total));
        Assert.Equal(OddUser, Assert.Single(ratings.Items).UserId);
        var second = await client.GetRatingsAsync(userId: OddUser, itemId: OddItem);
        Assert.Equal(3, Assert.Single(second.Items).Rating);

        // Users and items.
        var users = await client.GetUsersAsync(search: "b");
        Assert.Equal(2, Assert.Single(users.Items, u => u.UserId == "bob").RatingCount);
        Assert.Single((await client.GetUsersAsync(page: 2, pageSize: 1)).Items);
        var user = await client.GetUserAsync(OddUser);
        Assert.Equal((OddUser, 2), (user.UserId, user.RatingCount));
        Assert.False(user.InModel);

        var metadata = JsonDocument.Parse("""{"year":1980}""").RootElement;
        var renamed = await client.PutItemAsync("Back in Black", new ItemUpdateRequest { DisplayName = "Back in Black (AC/DC)", Metadata = metadata });
        Assert.False(renamed.Created);
        var named = await client.PutItemAsync(OddItem, new ItemUpdateRequest { DisplayName = "Odd" });
        Assert.False(named.Created);
        var fresh = await client.PutItemAsync("Thriller", new ItemUpdateRequest { DisplayName = "Thriller" });
        Assert.True(fresh.Created);
        using (var catalogue = new MemoryStream(Encoding.UTF8.GetBytes("itemId,title,genres\nThriller,Thriller (1982),Pop\nBad,Bad (1987),Pop|Funk\n")))
        {
            Assert.Equal(2L, (await client.ImportItemsAsync(catalogue, header: true)).Imported);
        }

        var item = await client.GetItemAsync("Back in Black");
        Assert.Equal("Back in Black (AC/DC)", item.DisplayName);
        Assert.Equal(1980, item.Metadata!.Value.GetProperty("year").GetInt32());
        Assert.Equal("Odd", (await client.GetItemAsync(OddItem)).DisplayName);
        var items = await client.GetItemsAsync(search: "Thr", pageSize: 5);
        Assert.Equal("Thriller (1982)", Assert.Single(items.Items).DisplayName);
        Assert.Equal("Pop|Funk", (await client.GetItemAsync("Bad")).Metadata!.Value.GetProperty("genres").GetString());

        // A forced retrain publishes the new ratings; the version it replaced is kept.
        var finished = app.Status.NextRunAsync(CancellationToken.None);
        var asked = await client.PostRetrainAsync(force: true);
        Assert.Contains(asked.State, new[] { "queued", "running" });
        Assert.Equal(Training.TrainingOutcome.Published, await finished.WaitAsync(TimeSpan.FromSeconds(60)));
        var versions = await client.GetModelVersionsAsync();
        Assert.Equal("active", versions[0].State);
        Assert.Equal("kept", Assert.Single(versions, v => v.Version == first.Version).State);
        var model = await client.GetModelAsync();
        Assert.Equal(versions[0].Version, model.Version);
        Assert.Equal(versions[0].Metrics!.Rmse, model.Metrics!.Rmse);

        // Queries, through the odd ids.
        var prediction = await client.GetPredictionAsync(OddUser, OddItem);
        Assert.Equal((OddUser, OddItem, model.Version!.Value, null), (prediction.UserId, prediction.ItemId, prediction.ModelVersion, prediction.Fallback));
        var row = await client.GetUserPredictionsAsync(OddUser);
        Assert.Equal(3, Assert.Single(row.Items, i => i.ItemId == OddItem).ActualRating);
        Assert.Equal(prediction.PredictedRating, Assert.Single(row.Items, i => i.ItemId == OddItem).PredictedRating, 4);
        var matrix = await client.GetPredictionMatrixAsync(page: 1, pageSize: 2, itemPage: 2, itemPageSize: 3);
        Assert.Equal((2, 2, 3, 3), (matrix.PageSize, matrix.Rows.Count, matrix.ItemPageSize, matrix.Items.Count));
        Assert.Equal(2, matrix.ItemPageNumber);
        var similarUsers = await client.GetSimilarUsersAsync(OddUser, count: 2, basis: SimilarityBasis.Factors);
        Assert.Equal((OddUser, "factors", 2), (similarUsers.UserId, similarUsers.Basis, similarUsers.Users.Count));
        var similarItems = await client.GetSimilarItemsAsync(OddItem, count: 3);
        Assert.Equal(OddItem, similarItems.ItemId);
        Assert.Equal(3, similarItems.Items.Count);
        var similarity = await client.GetUserSimilarityMatrixAsync(page: 2, pageSize: 2);
        Assert.Equal((2, 2), (similarity.PageNumber, similarity.Rows.Count));
        var ranked = await client.GetRecommendationsAsync("Hermione", count: 3);
        Assert.Equal("ranking", ranked.Strategy);
        var neighbours = await client.GetRecommendationsAsync(
            "Hermione", count: 2, strategy: RecommendationStrategy.Neighbors, neighbors: 2, exclude: [ranked.Items[0].ItemId]);
        Assert.Equal(("neighbors", 2, 2), (neighbours.Strategy, neighbours.Items.Count, neighbours.Neighbors!.Count));
        Assert.DoesNotContain(neighbours.Items, i => i.ItemId == ranked.Items[0].ItemId);
        var byRating = await client.GetRecommendationsAsync(OddUser, strategy: RecommendationStrategy.Rating);
        Assert.Equal((OddUser, "rating"), (byRating.UserId, byRating.Strategy));

        // Roll back to the first version, which pins it; then unpin.
        var activated = await client.PostActivateVersionAsync(first.Version!.Value);
        Assert.Equal((first.Version, "active"), (activated.Version, activated.State));
        Assert.Equal(first.Version, (await client.GetModelAsync()).PinnedVersion);
        await client.DeletePinAsync();
        Assert.Null((await client.GetModelAsync()).PinnedVersion);

        // Deletions.
        await client.DeleteRatingAsync(OddUser, OddItem);
        Assert.Equal(1, (await client.GetRatingsAsync(userId: OddUser)).Total);
        await client.DeleteUserAsync("bob");
        var gone = await Assert.ThrowsAsync<RecommenderApiException>(() => client.GetUserAsync("bob"));
        Assert.Equal(HttpStatusCode.NotFound, gone.Status);

        // Every route of the service was reached through the client, except the ones it leaves out on purpose.
        var routes = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().Select(RouteRecorder.Key).ToHashSet();
        Assert.Contains("GET /api/users/{userId}/recommendations", routes);
        Assert.Contains("* /health/ready", routes);
        var missed = routes.Except(hit.Keys).Except(NotForTheClient).Order().ToList();
        Assert.True(missed.Count == 0, "routes the client never called: " + string.Join(", ", missed));
        Assert.Subset(routes, NotForTheClient.ToHashSet());
    }

    [Fact]
    public async Task Client_ThrowsTheValidationProblem_WithItsFieldErrors_ForA400()
    {
        using var app = new RecommenderApp();
        var (client, provider) = Create(app);
        using var _ = provider;

        var problem = await Assert.ThrowsAsync<RecommenderApiException>(
            () => client.PostRatingAsync(new RatingRequest { UserId = " ", ItemId = "Firework", Rating = 99 }));

        Assert.Equal(HttpStatusCode.BadRequest, problem.Status);
        Assert.Equal("The request is invalid.", problem.Title);
        Assert.NotNull(problem.Type);
        Assert.Null(problem.RawBody);
        Assert.Contains("userId", problem.Errors.Keys);
        Assert.Contains(problem.Errors["rating"], m => m.Contains("rating", StringComparison.Ordinal));
        Assert.Contains("[rating]", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Client_ThrowsTheProblem_WithStatusTitleAndDetail_ForA404()
    {
        using var app = new RecommenderApp();
        var (client, provider) = Create(app);
        using var _ = provider;

        var problem = await Assert.ThrowsAsync<RecommenderApiException>(() => client.GetUserAsync("nobody"));

        Assert.Equal(HttpStatusCode.NotFound, problem.Status);
        Assert.Equal("Unknown user.", problem.Title);
        Assert.Equal("There is no user 'nobody'.", problem.Detail);
        Assert.NotNull(problem.Type);
        Assert.Empty(problem.Errors);
        Assert.Contains("404", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ContractCheck_CoversTheClient_FailingItsCall_WhenTheDocumentDoesNotAllowTheAnswer()
    {
        using var app = new RecommenderApp(demo: false, services: s => s.ConfigureSwaggerGen(o => o.OperationFilter<ContractTests.No404ForGetUser>()));
        var (client, provider) = Create(app);
        using var _ = provider;

        var violation = await Assert.ThrowsAsync<ContractViolationException>(() => client.GetUserAsync("nobody"));

        Assert.Contains("GET /api/users/{userId} answered 404", violation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Client_SendsItsApiKey_AndIsRefusedWithoutOne_WhenKeysAreConfigured()
    {
        using var app = new RecommenderApp(settings: ApiKeyTests.Keys(new() { ["Auth:RequireKeyForReads"] = "true" }));
        await app.WaitForModelAsync();
        var (anonymous, p1) = Create(app);
        var (reader, p2) = Create(app, o => o.ApiKey = ApiKeyTests.ReadKey);
        var (admin, p3) = Create(app, o => o.ApiKey = ApiKeyTests.AdminKey);
        using var _ = p1;
        using var __ = p2;
        using var ___ = p3;

        Assert.Equal(HttpStatusCode.Unauthorized, (await Assert.ThrowsAsync<RecommenderApiException>(() => anonymous.GetModelAsync())).Status);
        Assert.NotNull((await reader.GetModelAsync()).Version);
        var weak = await Assert.ThrowsAsync<RecommenderApiException>(() => reader.PostRatingAsync(new RatingRequest { UserId = "ann", ItemId = "Firework", Rating = 4 }));
        Assert.Equal(HttpStatusCode.Forbidden, weak.Status);
        var none = await Assert.ThrowsAsync<RecommenderApiException>(() => anonymous.PostRatingAsync(new RatingRequest { UserId = "ann", ItemId = "Firework", Rating = 4 }));
        Assert.Equal(HttpStatusCode.Unauthorized, none.Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Assert.ThrowsAsync<RecommenderApiException>(() => reader.PostRetrainAsync())).Status);
        Assert.True((await admin.PostRatingAsync(new RatingRequest { UserId = "ann", ItemId = "Firework", Rating = 4 })).Created);
        Assert.Contains((await admin.PostRetrainAsync()).State, new[] { "queued", "running" });
        Assert.True(await anonymous.IsLiveAsync(), "the probes need no key");
    }

    [Fact]
    public async Task Client_KeepsTheRawBody_WhenTheAnswerIsNotAProblem()
    {
        using var app = new RecommenderApp(demo: false);
        var proxy = new ScriptedHandler((_, _) => new HttpResponseMessage(HttpStatusCode.BadGateway) { Content = new StringContent("<html>bad gateway</html>", Encoding.UTF8, "text/html") });
        var (client, provider) = Create(app, extra: () => proxy);
        using var _ = provider;

        var problem = await Assert.ThrowsAsync<RecommenderApiException>(() => client.GetModelAsync());

        Assert.Equal(HttpStatusCode.BadGateway, problem.Status);
        Assert.Equal("<html>bad gateway</html>", problem.RawBody);
        Assert.Null(problem.Title);
        Assert.Equal(1, proxy.Calls);
    }

    [Fact]
    public async Task Client_RefusesIdsNoPathCanAddress_BeforeSendingAnything()
    {
        var client = RecommenderClient.Create(
            new RecommenderClientOptions { BaseAddress = new Uri("http://localhost:1/") }, new ScriptedHandler((_, _) => throw new InvalidOperationException("sent")));

        await Assert.ThrowsAsync<ArgumentException>(() => client.GetUserAsync(".."));
        await Assert.ThrowsAsync<ArgumentException>(() => client.GetItemAsync(""));
        await Assert.ThrowsAsync<ArgumentException>(() => client.GetRecommendationsAsync("ann", exclude: ["a,b"]));
        Assert.Throws<InvalidOperationException>(() => RecommenderClient.Create(new RecommenderClientOptions()));
    }

    /// <summary>
    /// A client registered by <c>AddRecommenderClient</c> whose requests go to <paramref name="app"/> through the contract
    /// check; <paramref name="extra"/> sits between the retry handler and the service.
    /// </summary>
    internal static (RecommenderClient Client, ServiceProvider Provider) Create(
        RecommenderApp app, Action<RecommenderClientOptions>? configure = null, Func<DelegatingHandler>? extra = null)
    {
        var inner = app.CreateClient();
        var services = new ServiceCollection();
        var builder = services.AddRecommenderClient(o =>
            {
                o.BaseAddress = inner.BaseAddress;
                o.RetryDelay = TimeSpan.Zero;
                configure?.Invoke(o);
            })
            .ConfigurePrimaryHttpMessageHandler(() => new ForwardingHandler(inner));
        if (extra is not null)
        {
            builder.AddHttpMessageHandler(extra);
        }

        var provider = services.BuildServiceProvider();
        return (provider.GetRequiredService<RecommenderClient>(), provider);
    }

    /// <summary>Records the route of every request the service answered, as "METHOD pattern".</summary>
    private sealed class RouteRecorder(ConcurrentDictionary<string, bool> hit) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, inner) =>
            {
                await inner(context);
                if (context.GetEndpoint() is RouteEndpoint endpoint)
                {
                    hit[Key(endpoint)] = true;
                }
            });
            next(app);
        };

        public static string Key(RouteEndpoint endpoint) =>
            $"{string.Join("|", endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["*"])} /{endpoint.RoutePattern.RawText?.TrimStart('/')}";
    }
}

/// <summary>Answers what a script says, or passes the request on when the script returns null; counts the requests.</summary>
internal sealed class ScriptedHandler(Func<HttpRequestMessage, int, HttpResponseMessage?> script) : DelegatingHandler
{
    private int _calls;

    public int Calls => _calls;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var call = Interlocked.Increment(ref _calls);
        return script(request, call) is { } response ? Task.FromResult(response) : base.SendAsync(request, cancellationToken);
    }
}
