using Recommender.Core.Data;
using Recommender.Core.Evaluation;
using Recommender.Core.Numerics;
using Recommender.Core.Training;

namespace Recommender.Core.Tests;

public class EvaluatorTests
{
    [Fact]
    public void Accuracy_MatchesHandComputedRmseAndMae()
    {
        var data = Synthetic.Checkerboard();
        var model = Trainers.Create(TrainingParameters.For(Algorithm.BiasedSgd) with { Factors = 2, Epochs = 5, EarlyStoppingPatience = 0 }).Fit(data).Model;
        var test = RatingDataset.FromTriples([("u0", "i3", 5f), ("u1", "i3", 1f), ("nobody", "i1", 2f)]);
        var errors = new[] { 5 - model.Predict("u0", "i3").Value, 1 - model.Predict("u1", "i3").Value, 2 - model.Predict("nobody", "i1").Value };

        var (rmse, mae) = Evaluator.Accuracy(model, test);

        Assert.Equal(Math.Sqrt(errors.Average(e => (double)e * e)), rmse, 1e-6);
        Assert.Equal(errors.Average(e => Math.Abs((double)e)), mae, 1e-6);
    }

    [Fact]
    public void Ranking_ScoresAPerfectAndAMissingHit()
    {
        var model = Trainers.Create(TrainingParameters.For(Algorithm.Als) with { Factors = 4, Epochs = 10 }).Fit(Synthetic.Checkerboard()).Model;

        // u0's withheld liked item i3 is the top recommendation: precision@1 = recall@1 = NDCG@1 = 1.
        var hit = RatingDataset.FromTriples([("u0", "i3", 5f)]);
        Assert.Equal((1.0, 1.0, 1.0, 1), Evaluator.Ranking(model, hit, k: 1));

        // i13 ranks second of two: at k = 2 precision is 1/2, recall 1, NDCG = (1/log2 3) / 1.
        var second = RatingDataset.FromTriples([("u0", "i13", 4.5f)]);
        var (precision, recall, ndcg, users) = Evaluator.Ranking(model, second, k: 2);
        Assert.Equal(0.5, precision, 1e-9);
        Assert.Equal(1.0, recall, 1e-9);
        Assert.Equal(1 / Math.Log2(3), ndcg, 1e-9);
        Assert.Equal(1, users);

        // Ratings below the threshold are not relevant, so no user is counted.
        Assert.Equal(0, Evaluator.Ranking(model, RatingDataset.FromTriples([("u0", "i3", 3f)])).Users);
    }

    [Fact]
    public void Ranking_SamplesUsers_WhenAskedToBoundTheCost()
    {
        var data = Synthetic.LowRank(users: 60, items: 40, rank: 2, noise: 0.3, density: 0.5, seed: 5, mean: 4f);
        var (train, test) = DatasetSplit.Holdout(data, 0.3, 2);
        var model = Trainers.Create(TrainingParameters.For(Algorithm.BiasedSgd) with { Factors = 4, Epochs = 5 }).Fit(train).Model;
        var all = Evaluator.Ranking(model, test, k: 5);
        var sample = Evaluator.Ranking(model, test, k: 5, maxUsers: 10);
        Assert.True(all.Users > 10);
        Assert.Equal(10, sample.Users);
        Assert.Equal(sample, Evaluator.Ranking(model, test, k: 5, maxUsers: 10));
    }

    [Fact]
    public void Cholesky_SolvesASymmetricPositiveDefiniteSystem_AndRejectsAnIndefiniteOne()
    {
        double[] a = [4, 2, 0, 2, 5, 1, 0, 1, 3];
        double[] x = [1, -2, 3];
        var b = new double[3];
        for (var r = 0; r < 3; r++)
        {
            for (var c = 0; c < 3; c++)
            {
                b[r] += a[r * 3 + c] * x[c];
            }
        }

        Assert.True(Cholesky.Solve(a.ToArray(), b, 3));
        for (var n = 0; n < 3; n++)
        {
            Assert.Equal(x[n], b[n], 1e-12);
        }

        Assert.False(Cholesky.Solve([1, 2, 2, 1], [1, 1], 2));
    }

    [Fact]
    public void Parameters_NameTheInvalidField()
    {
        var error = Assert.Throws<ArgumentException>(() => (TrainingParameters.For(Algorithm.BiasedSgd) with { Factors = 0 }).Validate());
        Assert.Equal(nameof(TrainingParameters.Factors), error.ParamName);
        error = Assert.Throws<ArgumentException>(() => (TrainingParameters.For(Algorithm.BiasedSgd) with { LearningRate = float.NaN }).Validate());
        Assert.Equal(nameof(TrainingParameters.LearningRate), error.ParamName);
        error = Assert.Throws<ArgumentException>(() => Trainers.Create(TrainingParameters.For(Algorithm.BiasedSgd) with { MinRating = 5, MaxRating = 1 }));
        Assert.Equal(nameof(TrainingParameters.MinRating), error.ParamName);
    }
}
