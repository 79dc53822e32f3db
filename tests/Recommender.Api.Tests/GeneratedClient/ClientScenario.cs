// Compiled at test time together with the client NSwag generates from the served OpenAPI document (GeneratedClientTests),
// not with the test project: it uses the generated types as a client author would, so a document that changes shape
// fails here to compile, and one that lies fails here at run time.
#nullable enable
using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;

namespace Recommender.Generated;

public static class ClientScenario
{
    /// <summary>
    /// Runs the scenario against a fresh service without a model, and returns every response object it received.
    /// <paramref name="retrain"/> posts a retrain through the client it is given and waits for the run to end;
    /// <paramref name="failNextRun"/> makes the next training run throw.
    /// </summary>
    public static async Task<List<object>> RunAsync(HttpClient http, Func<Func<Task>, Task> retrain, Action failNextRun)
    {
        var client = new RecommenderClient(http);
        var received = new List<object>();
        T Got<T>(T response) where T : notnull
        {
            received.Add(response);
            return response;
        }

        // Before a first model: version, parameters, counts and metrics are null.
        var empty = Got(await client.GetModelAsync());
        Check(empty.Version is null && empty.Counts is null && empty.Metrics is null && empty.Parameters is null, "a model before the first run");
        Check(Got(await client.GetModelVersionsAsync()).Count == 0, "no versions yet");

        // Rate: one rating (201), the same again (200), and a batch.
        var rated = Got(await client.PostRatingAsync(new RatingRequest { UserId = "ann", ItemId = "i0", Rating = 5 }));
        Check(rated.UserId == "ann" && rated.Rating == 5, "the stored rating");
        Got(await client.PostRatingAsync(new RatingRequest { UserId = "ann", ItemId = "i0", Rating = 4.5 }));
        var ratings = new List<RatingRequest>();
        for (var u = 0; u < 8; u++)
        {
            for (var i = 0; i < 10; i++)
            {
                if ((u + i) % 3 != 0)
                {
                    ratings.Add(new RatingRequest { UserId = $"u{u}", ItemId = $"i{i}", Rating = 1 + (u * i + i) % 5 });
                }
            }
        }

        var batch = Got(await client.PostRatingBatchAsync(new RatingBatchRequest { Ratings = ratings }));
        Check(batch.Created == ratings.Count, "every rating of the batch is new");

        // Details with null metadata and display names, and an item named through displayName.
        var user = Got(await client.GetUserAsync("ann"));
        Check(user.Metadata is null && user.DisplayName is null && user.RatingCount == 1, "ann's details");
        var named = Got(await client.PutItemAsync("i0", new ItemUpdateRequest { DisplayName = "Item zero" }));
        Check(named.DisplayName == "Item zero", "the item's displayName");
        Check(Got(await client.GetItemAsync("i1")).Metadata is null, "an item without metadata");

        // Train, then read the model and its versions.
        await retrain(async () => Got(await client.PostRetrainAsync(force: null)));
        var model = Got(await client.GetModelAsync());
        Check(model.Version == 1 && model.Counts is { Ratings: > 0 } && model.Ranking is not null, "the first model");
        Check(Got(await client.GetModelVersionsAsync()).Single().State == ModelVersionResponseState.Active, "one active version");

        // Predictions.
        var prediction = Got(await client.GetPredictionAsync("ann", "i3"));
        Check(prediction.Fallback is null && prediction.ModelVersion == 1, "a prediction by the full model");
        Check(Got(await client.GetUserPredictionsAsync("u1")).Items.Count == 10, "u1's whole row");
        Check(Got(await client.GetPredictionMatrixAsync(page: 1, pageSize: 5, itemPage: null, itemPageSize: null)).Rows.Count == 5, "a page of the matrix");

        // Similar users (both bases) and similar items.
        var similar = Got(await client.GetSimilarUsersAsync("u1", count: 3, basis: Basis.Predicted));
        Check(similar.Basis == SimilarUsersResponseBasis.Predicted && similar.Users.Count == 3, "similar users by predicted rows");
        Check(Got(await client.GetSimilarUsersAsync("u1", count: 2, basis: Basis.Factors)).Basis == SimilarUsersResponseBasis.Factors, "similar users by factors");
        var items = Got(await client.GetSimilarItemsAsync("i1", count: 3));
        Check(items.Items.Count > 0 && items.Basis is SimilarItemsResponseBasis.Ease or SimilarItemsResponseBasis.ImplicitAls, "similar items by the ranking model");

        // Both recommendation strategies, the neighbours' method, and a newcomer's popular items.
        var ranked = Got(await client.GetRecommendationsAsync("ann", count: 3, strategy: Strategy.Ranking, neighbors: null, exclude: null));
        Check(ranked.Strategy == RecommendationsResponseStrategy.Ranking && ranked.RankedBy == RecommendationsResponseRankedBy.Ease && ranked.Neighbors is null, "ranking");
        var byRating = Got(await client.GetRecommendationsAsync("ann", count: 3, strategy: Strategy.Rating, neighbors: null, exclude: "i1"));
        Check(byRating.Strategy == RecommendationsResponseStrategy.Rating && byRating.RankedBy == RecommendationsResponseRankedBy.BiasedSgd, "rating");
        var neighbours = Got(await client.GetRecommendationsAsync("ann", count: 3, strategy: Strategy.Neighbors, neighbors: 2, exclude: null));
        Check(neighbours.Neighbors is { Count: 2 }, "neighbors");
        var newcomer = Got(await client.GetRecommendationsAsync("nobody-yet", count: 3, strategy: null, neighbors: null, exclude: null));
        Check(newcomer.Fallback == RecommendationsResponseFallback.Popularity && newcomer.RankedBy == RecommendationsResponseRankedBy.Ease, "popular items for a newcomer");

        // A 400 surfaces as the client's exception with the validation problem.
        try
        {
            await client.PostRatingAsync(new RatingRequest { UserId = "ann", ItemId = "i0", Rating = 99 });
            throw new InvalidOperationException("a rating of 99 was accepted");
        }
        catch (ApiException<HttpValidationProblemDetails> invalid)
        {
            received.Add(invalid.Result);
            Check(invalid.StatusCode == 400 && invalid.Result.Errors.ContainsKey("rating") && invalid.Result.Type is not null, "the 400's problem");
        }

        // An unknown user is the client's 404 ProblemDetails.
        try
        {
            await client.GetUserAsync("nobody");
            throw new InvalidOperationException("an unknown user was found");
        }
        catch (ApiException<ProblemDetails> missing)
        {
            received.Add(missing.Result);
            Check(missing.StatusCode == 404 && missing.Result.Status == 404, "the 404's problem");
        }

        // A failed run: its version has no metrics and says why.
        failNextRun();
        await retrain(async () => Got(await client.PostRetrainAsync(force: true)));
        var versions = Got(await client.GetModelVersionsAsync());
        var failed = versions.First();
        Check(failed.State == ModelVersionResponseState.Failed && failed.Metrics is null && failed.Error is not null, "the failed run's version");
        Check(Got(await client.GetModelAsync()).Training.LastOutcome == TrainingStateResponseLastOutcome.Failed, "the trainer's last outcome");
        return received;
    }

    private static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"The generated client read an unexpected {what}.");
        }
    }
}
