using Recommender.Core.Data;
using Recommender.Core.Evaluation;
using Recommender.Core.Model;
using Recommender.Core.Training;

namespace Recommender.Core.Tests;

public class SvdPlusPlusTests
{
    private static TrainingParameters Parameters(Algorithm algorithm) => TrainingParameters.For(algorithm) with
    {
        Factors = 4, Epochs = 60, LearningRate = 0.02f, LearningRateDecay = 0.97f, Regularization = 0.05f, BiasRegularization = 0.02f,
        InitStandardDeviation = 0.1, EarlyStoppingPatience = 0, MinRating = -100, MaxRating = 100,
    };

    [Fact]
    public void Fit_BeatsBiasedSgd_WhenWhichItemsAUserRatedCarriesSignal()
    {
        var data = Synthetic.ChosenByTaste(users: 400, items: 200, match: 0.1, mismatch: 0.02, noise: 0.5, seed: 31);
        var (train, test) = DatasetSplit.Holdout(data, 0.2, seed: 3);

        var sgd = Evaluator.Accuracy(Trainers.Create(Parameters(Algorithm.BiasedSgd)).Fit(train).Model, test).Rmse;
        var svdpp = Evaluator.Accuracy(Trainers.Create(Parameters(Algorithm.SvdPlusPlus)).Fit(train).Model, test).Rmse;

        Assert.True(svdpp < sgd - 0.1, $"SVD++ RMSE {svdpp:F4} against biased SGD {sgd:F4}");
        Assert.True(svdpp < 1.4 * 0.5, $"SVD++ RMSE {svdpp:F4} is far from the noise floor 0.5");
    }

    [Fact]
    public void Fit_RecoversLowRankMatrix_CloseToTheNoiseFloor()
    {
        var data = Synthetic.LowRank(users: 300, items: 200, rank: 3, noise: 0.5, density: 0.4, seed: 11);
        var (train, test) = DatasetSplit.Holdout(data, 0.1, seed: 5);
        var model = Trainers.Create(Parameters(Algorithm.SvdPlusPlus) with { Factors = 8, Epochs = 60 }).Fit(train).Model;
        Assert.True(Evaluator.Accuracy(model, test).Rmse <= 1.1 * 0.5);
    }

    [Fact]
    public void Fit_GivesTheSameModel_ForTheSameSeed()
    {
        var data = Synthetic.LowRank(users: 60, items: 40, rank: 2, noise: 0.3, density: 0.4, seed: 4);
        var parameters = Parameters(Algorithm.SvdPlusPlus) with { Epochs = 5 };
        var one = Trainers.Create(parameters).Fit(data).Model;
        var two = Trainers.Create(parameters with { Threads = 3 }).Fit(data).Model;
        for (var u = 0; u < data.Users.Count; u++)
        {
            for (var i = 0; i < data.Items.Count; i++)
            {
                Assert.Equal(one.Score(one.User(u), i), two.Score(two.User(u), i));
            }
        }
    }

    [Fact]
    public void FoldIn_OfATrainingUser_PredictsLikeTheTrainedUser_UsingTheImplicitFactors()
    {
        var data = Synthetic.ChosenByTaste(users: 200, items: 100, match: 0.3, mismatch: 0.1, noise: 0.3, seed: 6);
        // Trained to convergence, p_u is the per-user optimum given z_u, which fold-in solves for directly.
        var parameters = Parameters(Algorithm.SvdPlusPlus) with { Factors = 8, Epochs = 400, LearningRate = 0.01f, LearningRateDecay = 0.99f };
        var model = Trainers.Create(parameters).Fit(data).Model;
        FoldInAssert.PredictsLikeTheTrainedUsers(model, data);
    }

    [Fact]
    public void Snapshot_RoundTripsEveryPredictionAndFoldIn()
    {
        var data = Synthetic.LowRank(users: 30, items: 25, rank: 2, noise: 0.3, density: 0.5, seed: 3);
        var model = Trainers.Create(Parameters(Algorithm.SvdPlusPlus) with { Epochs = 10 }).Fit(data).Model;
        using var stream = new MemoryStream();
        FactorModelSerializer.Write(model, stream);
        stream.Position = 0;

        var copy = FactorModelSerializer.Read(stream);

        Assert.Equal(model.Parameters, copy.Parameters);
        List<(int, float)> ratings = [(0, 4f), (3, 2f), (7, 5f)];
        var folded = model.FoldIn(ratings);
        var foldedCopy = copy.FoldIn(ratings);
        for (var i = 0; i < model.Items.Count; i++)
        {
            Assert.Equal(model.Predict(folded, i), copy.Predict(foldedCopy, i));
            for (var u = 0; u < model.Users.Count; u++)
            {
                Assert.Equal(model.Predict(model.User(u), i), copy.Predict(copy.User(u), i));
            }
        }
    }
}
