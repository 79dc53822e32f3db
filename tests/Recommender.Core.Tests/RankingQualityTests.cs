using Recommender.Core.Data;
using Recommender.Core.Evaluation;
using Recommender.Core.Ranking;
using Recommender.Core.Training;

namespace Recommender.Core.Tests;

public class RankingQualityTests
{
    /// <summary>
    /// Planted groups whose ratings are all 4–5 at random: which items a user rated carries the structure, the rating values
    /// carry none. A rating model fits the values (nearly constant), so its ranking of unrated items is close to chance;
    /// a ranking model learns from X which items go together and finds the held-out ones.
    /// </summary>
    [Fact]
    public void RankingModels_FindHeldOutItems_ThatTheRatingModelMisses()
    {
        var data = Synthetic.Groups(users: 90, items: 60, groups: 3, density: 0.4, noise: 0.03, seed: 14);
        var (train, test) = DatasetSplit.Holdout(data, 0.2, seed: 1);

        var sgd = Trainers.Create(TrainingParameters.For(Algorithm.BiasedSgd) with { Factors = 8, Epochs = 40, EarlyStoppingPatience = 0 }).Fit(train).Model;
        var ease = RankingTrainer.Fit(RankingParameters.For(RankingAlgorithm.Ease) with { Regularization = 10f }, train).Model;
        var ials = RankingTrainer.Fit(RankingParameters.For(RankingAlgorithm.ImplicitAls) with { Factors = 4, Regularization = 1f }, train).Model;

        var rating = Evaluator.Ranking(sgd, test).Ndcg;
        var easeNdcg = Evaluator.Evaluate(ease, test).NdcgAt10;
        var ialsNdcg = Evaluator.Evaluate(ials, test).NdcgAt10;

        Assert.True(easeNdcg > 2 * rating && easeNdcg > 0.3, $"EASE {easeNdcg:F3} against SGD {rating:F3}");
        Assert.True(ialsNdcg > 2 * rating && ialsNdcg > 0.3, $"iALS {ialsNdcg:F3} against SGD {rating:F3}");
    }

    [Fact]
    public void Evaluate_OfARankingModel_UsesTheRatingModelsProtocol()
    {
        // u0 rated i0 and i1; the only candidate i2 is relevant (4 ≥ 4), so every metric at k = 1 is 1 — for both kinds.
        var train = RatingDataset.FromTriples([("u0", "i0", 5f), ("u0", "i1", 4f), ("u1", "i1", 5f), ("u1", "i2", 5f), ("u2", "i0", 3f), ("u2", "i2", 4f)]);
        var test = new RatingDatasetBuilder(train.Users, train.Items);
        test.Add("u0", "i2", 4f);
        test.Add("u1", "i0", 3.5f);
        var ease = RankingTrainer.Fit(RankingParameters.For(RankingAlgorithm.Ease) with { Regularization = 1f }, train).Model;

        Assert.Equal((1.0, 1.0, 1.0, 1), Evaluator.Ranking(ease, test.Build(), k: 1));
    }
}
