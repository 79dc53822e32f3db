using Recommender.Core.Data;
using Recommender.Core.Model;
using Recommender.Core.Training;

namespace Recommender.Core.Tests;

/// <summary><see cref="FactorModel.FromDotProductFactors"/>: serving factors trained elsewhere by their dot product.</summary>
public class ExternalFactorsTests
{
    private static readonly TrainingParameters Parameters = TrainingParameters.For(Algorithm.Als) with { Factors = 2, Regularization = 0.1f };

    private static readonly RatingDataset Data = RatingDataset.FromTriples(
    [
        ("ann", "a", 4f), ("ann", "b", 2f), ("bob", "a", 5f), ("bob", "c", 3f), ("cyd", "b", 1f), ("cyd", "c", 4f), ("dee", "a", 3f), ("dee", "d", 5f),
    ]);

    private static readonly Dictionary<string, float[]> Items = new()
    {
        ["a"] = [1.5f, 0.5f],
        ["b"] = [0.5f, 1f],
        ["c"] = [1f, 1.5f],
    };

    [Fact]
    public void Predictions_AreTheDotProducts_WithoutBiases_AndAnItemWithoutFactorsFallsBackToTheMean()
    {
        var users = new Dictionary<string, float[]> { ["ann"] = [2f, 1f], ["bob"] = [1f, 2f], ["cyd"] = [0.5f, 2.5f], ["dee"] = [1f, 1f] };
        var (model, foldedIn) = FactorModel.FromDotProductFactors(Data, Parameters, users, Items);

        Assert.Equal(0, foldedIn);
        Assert.False(model.HasBiases);
        Assert.Equal((float)Data.Mean(), model.GlobalMean);
        foreach (var (user, p) in users)
        {
            foreach (var (item, q) in Items)
            {
                var prediction = model.Predict(user, item);
                Assert.Equal(PredictionFallback.None, prediction.Fallback);
                Assert.Equal(Math.Clamp(p[0] * q[0] + p[1] * q[1], 0.5f, 5f), prediction.Value, 5);
            }

            // "d" was rated but has no factors: untrained, it predicts μ.
            Assert.Equal(new Prediction((float)Data.Mean(), PredictionFallback.UnknownItem), model.Predict(user, "d"));
        }

        // A user's rated items are excluded from their recommendations, as for a model trained here.
        Assert.DoesNotContain(model.Recommend(model.User(model.Users.IndexOf("ann")), 10), r => model.Items.GetId(r.ItemIndex) is "a" or "b");
    }

    [Fact]
    public void AUserWithoutFactors_IsFoldedInAgainstTheItemFactors()
    {
        var users = new Dictionary<string, float[]> { ["ann"] = [2f, 1f], ["bob"] = [1f, 2f], ["cyd"] = [0.5f, 2.5f] };
        var (model, foldedIn) = FactorModel.FromDotProductFactors(Data, Parameters, users, Items);

        Assert.Equal(1, foldedIn);
        var dee = model.User(model.Users.IndexOf("dee"));
        Assert.False(dee.IsFallback);
        // The ALS user step on dee's ratings of items with factors ("a" = 3; "d" has none): what fold-in of a new user gives.
        var expected = model.FoldIn([(model.Items.IndexOf("a"), 3f), (model.Items.IndexOf("d"), 5f)]);
        Assert.Equal(expected.Factors.ToArray()[..2], dee.Factors.ToArray()[..2]);
        Assert.Equal(PredictionFallback.None, model.Predict("dee", "b").Fallback);
    }

    [Fact]
    public void AnIdWithoutRatings_OrAVectorOfTheWrongLength_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => FactorModel.FromDotProductFactors(
            Data, Parameters, new Dictionary<string, float[]> { ["zed"] = [1f, 1f] }, Items));
        Assert.Throws<ArgumentException>(() => FactorModel.FromDotProductFactors(
            Data, Parameters, new Dictionary<string, float[]> { ["ann"] = [1f, 1f, 1f] }, Items));
    }
}
