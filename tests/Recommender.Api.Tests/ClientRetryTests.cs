extern alias client;

using System.Net;
using System.Net.Http.Headers;
using client::Recommender.Api.Contracts;
using client::Recommender.Client;
using Recommender.Api.Tests.Contract;

namespace Recommender.Api.Tests;

/// <summary>
/// <see cref="RecommenderRetryHandler"/> in front of the real service, with a handler between them that fails the
/// requests a test chooses: idempotent requests are repeated, POST never is.
/// </summary>
public sealed class ClientRetryTests
{
    [Fact]
    public async Task Retry_RepeatsAGet_After503_WaitingWhatRetryAfterAsks()
    {
        using var app = new RecommenderApp();
        await app.WaitForModelAsync();
        var busy = new ScriptedHandler((_, call) => call == 1 ? Busy(TimeSpan.FromSeconds(2)) : null);
        var (client, waits) = Create(app, busy);

        var model = await client.GetModelAsync();

        Assert.Equal(app.Models.Current!.Model.Version, model.Version);
        Assert.Equal(2, busy.Calls);
        Assert.Equal([TimeSpan.FromSeconds(2)], waits);
    }

    [Fact]
    public async Task Retry_RepeatsAGetOn503_WhenRegisteredThroughTheServiceCollection()
    {
        using var app = new RecommenderApp();
        await app.WaitForModelAsync();
        var busy = new ScriptedHandler((_, call) => call <= 2 ? Busy(retryAfter: null) : null);
        var (client, provider) = ClientTests.Create(app, extra: () => busy);
        using var _ = provider;

        var recommendations = await client.GetRecommendationsAsync("Hermione");

        Assert.Equal("Hermione", recommendations.UserId);
        Assert.Equal(3, busy.Calls);
    }

    [Fact]
    public async Task Retry_NeverRepeatsAPost_AndTheProblemCarriesRetryAfter()
    {
        using var app = new RecommenderApp();
        var busy = new ScriptedHandler((request, _) => request.Method == HttpMethod.Post ? Busy(TimeSpan.FromSeconds(1)) : null);
        var (client, waits) = Create(app, busy);

        var problem = await Assert.ThrowsAsync<RecommenderApiException>(
            () => client.PostRatingAsync(new RatingRequest { UserId = "ann", ItemId = "Firework", Rating = 4 }));

        Assert.Equal((HttpStatusCode.ServiceUnavailable, "The store is busy.", TimeSpan.FromSeconds(1)), (problem.Status, problem.Title, problem.RetryAfter));
        Assert.Equal(1, busy.Calls);
        Assert.Empty(waits);
        Assert.Equal(0, (await client.GetRatingsAsync(userId: "ann")).Total);
        await Assert.ThrowsAsync<RecommenderApiException>(() => client.PostRetrainAsync());
        Assert.Equal(3, busy.Calls);
    }

    [Fact]
    public async Task Retry_RepeatsAPut_SendingTheSameBodyAgain()
    {
        using var app = new RecommenderApp();
        var busy = new ScriptedHandler((_, call) => call == 1 ? Busy(retryAfter: null) : null);
        var (client, waits) = Create(app, busy);

        var item = await client.PutItemAsync("Thriller", new ItemUpdateRequest { DisplayName = "Thriller (1982)" });

        Assert.True(item.Created);
        Assert.Equal("Thriller (1982)", (await client.GetItemAsync("Thriller")).DisplayName);
        Assert.Single(waits);
    }

    [Fact]
    public async Task Retry_RepeatsAGet_AfterANetworkFailure_AndGivesUpAfterMaxRetries()
    {
        using var app = new RecommenderApp();
        var flaky = new ScriptedHandler((_, call) => call == 1 ? throw new HttpRequestException("connection reset") : null);
        var (client, _) = Create(app, flaky);
        Assert.Equal(1, (await client.GetItemsAsync(search: "Firework")).Total);
        Assert.Equal(2, flaky.Calls);

        var down = new ScriptedHandler((_, _) => Busy(retryAfter: null));
        var (stubborn, waits) = Create(app, down, o => o.MaxRetries = 2);
        var problem = await Assert.ThrowsAsync<RecommenderApiException>(() => stubborn.GetItemsAsync());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, problem.Status);
        Assert.Equal(3, down.Calls);
        Assert.Equal(2, waits.Count);
    }

    [Fact]
    public async Task Retry_ReturnsAtOnce_WhenRetryAfterAsksMoreThanMaxRetryDelay_OrTheAnswerIsAProbe()
    {
        using var app = new RecommenderApp(demo: false, settings: new() { ["Training:TrainOnStart"] = "false" });
        var slow = new ScriptedHandler((request, _) => request.RequestUri!.AbsolutePath.StartsWith("/api/", StringComparison.Ordinal) ? Busy(TimeSpan.FromMinutes(5)) : null);
        var (client, waits) = Create(app, slow);

        var problem = await Assert.ThrowsAsync<RecommenderApiException>(() => client.GetModelAsync());
        Assert.Equal(TimeSpan.FromMinutes(5), problem.RetryAfter);
        Assert.Equal(1, slow.Calls);

        Assert.False(await client.IsReadyAsync(), "no model serves yet");
        Assert.Equal(2, slow.Calls);
        Assert.Empty(waits);
    }

    /// <summary>A 503 ProblemDetails as the service sends one while its store is busy.</summary>
    private static HttpResponseMessage Busy(TimeSpan? retryAfter)
    {
        var response = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable)
        {
            Content = new StringContent("""{"type":"https://tools.ietf.org/html/rfc9110#section-15.6.4","title":"The store is busy.","status":503}"""),
        };
        response.Content.Headers.ContentType = new MediaTypeHeaderValue("application/problem+json");
        if (retryAfter is { } wait)
        {
            response.Headers.RetryAfter = new RetryConditionHeaderValue(wait);
        }

        return response;
    }

    /// <summary>
    /// A client whose retry handler records each wait instead of waiting, with <paramref name="between"/> in front of
    /// the service (and its contract check).
    /// </summary>
    private static (RecommenderClient Client, List<TimeSpan> Waits) Create(
        RecommenderApp app, DelegatingHandler between, Action<RecommenderClientOptions>? configure = null)
    {
        var inner = app.CreateClient();
        var options = new RecommenderClientOptions { BaseAddress = inner.BaseAddress };
        configure?.Invoke(options);
        var waits = new List<TimeSpan>();
        between.InnerHandler = new ForwardingHandler(inner);
        var retry = new RecommenderRetryHandler(options)
        {
            InnerHandler = between,
            Delay = (wait, _) =>
            {
                lock (waits)
                {
                    waits.Add(wait);
                }

                return Task.CompletedTask;
            },
        };
        return (new RecommenderClient(new HttpClient(retry) { BaseAddress = inner.BaseAddress }), waits);
    }
}
