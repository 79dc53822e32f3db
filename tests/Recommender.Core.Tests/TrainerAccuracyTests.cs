using Recommender.Core.Data;
using Recommender.Core.Evaluation;
using Recommender.Core.Training;

namespace Recommender.Core.Tests;

public class TrainerAccuracyTests
{
    private const double Noise = 0.5;

    // A wide rating scale so that clipping does not distort the noise-floor comparison.
    private static TrainingParameters Wide(Algorithm algorithm) =>
        TrainingParameters.For(algorithm) with { MinRating = -100, MaxRating = 100, Factors = 8, EarlyStoppingPatience = 0 };

    public static TheoryData<Algorithm> FittingAlgorithms => new() { Algorithm.BiasedSgd, Algorithm.Als };

    [Theory]
    [MemberData(nameof(FittingAlgorithms))]
    public void Fit_RecoversLowRankMatrix_CloseToTheNoiseFloor(Algorithm algorithm)
    {
        var data = Synthetic.LowRank(users: 300, items: 200, rank: 3, noise: Noise, density: 0.4, seed: 11);
        var (train, test) = DatasetSplit.Holdout(data, 0.1, seed: 5);
        var parameters = algorithm == Algorithm.Als
            ? Wide(algorithm) with { Regularization = 0.05f, BiasRegularization = 0.05f, Epochs = 15 }
            : Wide(algorithm) with { LearningRate = 0.01f, Regularization = 0.05f, Epochs = 60, LearningRateDecay = 0.97f };

        var model = Trainers.Create(parameters).Fit(train).Model;
        var (rmse, _) = Evaluator.Accuracy(model, test);

        Assert.True(rmse <= 1.1 * Noise, $"{algorithm}: holdout RMSE {rmse:F4} exceeds 1.1σ = {1.1 * Noise}");
    }

    [Theory]
    [MemberData(nameof(FittingAlgorithms))]
    public void Fit_GivesTheSameModel_ForAnyThreadCount(Algorithm algorithm)
    {
        var data = Synthetic.LowRank(users: 300, items: 200, rank: 3, noise: Noise, density: 0.2, seed: 12);
        var parameters = Wide(algorithm) with { Epochs = 5 };
        var oneRun = Trainers.Create(parameters with { Threads = 1 }).Fit(data);
        var one = oneRun.Model;
        foreach (var threads in new[] { 2, 3, 4 })
        {
            var otherRun = Trainers.Create(parameters with { Threads = threads }).Fit(data);
            Assert.Equal(oneRun.History.Select(e => e.Objective), otherRun.History.Select(e => e.Objective));
            var other = otherRun.Model;
            for (var u = 0; u < data.Users.Count; u += 7)
            {
                for (var i = 0; i < data.Items.Count; i += 5)
                {
                    Assert.Equal(one.Predict(one.User(u), i), other.Predict(other.User(u), i));
                }
            }
        }
    }

    [Fact]
    public void Fit_BiasedSgdBeatsTheMeanByFar_OnStructuredData()
    {
        var data = Synthetic.LowRank(users: 200, items: 150, rank: 2, noise: 0.3, density: 0.5, seed: 3);
        var (train, test) = DatasetSplit.Holdout(data, 0.2, seed: 1);
        var model = Trainers.Create(Wide(Algorithm.BiasedSgd)).Fit(train).Model;
        var mean = train.Mean();
        var meanRmse = Math.Sqrt(test.Values.Average(v => (v - mean) * (v - mean)));
        Assert.True(Evaluator.Accuracy(model, test).Rmse < 0.5 * meanRmse);
    }

    [Fact]
    public void Fit_AlsObjectiveNeverIncreases()
    {
        var data = Synthetic.LowRank(users: 100, items: 80, rank: 3, noise: 0.3, density: 0.3, seed: 2);
        var history = Trainers.Create(Wide(Algorithm.Als) with { Epochs = 10 }).Fit(data).History;
        for (var n = 1; n < history.Count; n++)
        {
            Assert.True(history[n].Objective <= history[n - 1].Objective * (1 + 1e-6), $"epoch {n + 1} raised the objective");
        }
    }

    [Fact]
    public void Fit_EarlyStoppingKeepsTheBestValidationEpoch()
    {
        var data = Synthetic.LowRank(users: 100, items: 80, rank: 2, noise: 0.8, density: 0.3, seed: 4);
        var (train, validation) = DatasetSplit.Holdout(data, 0.2, seed: 9);
        // Little regularization and many factors overfit, so validation RMSE turns up and training stops early.
        var parameters = Wide(Algorithm.BiasedSgd) with { Factors = 64, Regularization = 0f, LearningRate = 0.03f, LearningRateDecay = 1f, Epochs = 200, EarlyStoppingPatience = 3 };
        var result = Trainers.Create(parameters).Fit(train, validation);

        Assert.True(result.History.Count < 200);
        Assert.Equal(result.History.Count - 3, result.BestEpoch);
        var best = result.History.Min(r => r.ValidationRmse!.Value);
        Assert.Equal(best, result.History[result.BestEpoch - 1].ValidationRmse!.Value);
        Assert.Equal(best, Evaluator.Accuracy(result.Model, validation).Rmse, 1e-4);
    }

    [Fact]
    public void Fit_ThrowsDiverged_WhenTheLearningRateIsFarTooLarge()
    {
        var data = Synthetic.LowRank(users: 50, items: 40, rank: 2, noise: 0.3, density: 0.5, seed: 4);
        var parameters = Wide(Algorithm.BiasedSgd) with { LearningRate = 0.9f, Regularization = 0f, LearningRateDecay = 1f, Epochs = 50, InitStandardDeviation = 3 };
        Assert.Throws<TrainingDivergedException>(() => Trainers.Create(parameters).Fit(data));
    }

    [Fact]
    public void Fit_StopsBetweenEpochs_WhenCancelled()
    {
        var data = Synthetic.LowRank(users: 50, items: 40, rank: 2, noise: 0.3, density: 0.5, seed: 4);
        using var cancellation = new CancellationTokenSource();
        var epochs = 0;
        Assert.ThrowsAny<OperationCanceledException>(() => Trainers.Create(Wide(Algorithm.BiasedSgd) with { Epochs = 100 }).Fit(
            data,
            onEpoch: r =>
            {
                epochs = r.Epoch;
                if (r.Epoch == 2)
                {
                    cancellation.Cancel();
                }
            },
            cancellationToken: cancellation.Token));
        Assert.Equal(2, epochs);
    }

    [Fact]
    public void Fit_ReportsEveryEpochWithValidation()
    {
        var data = Synthetic.LowRank(users: 50, items: 40, rank: 2, noise: 0.3, density: 0.5, seed: 4);
        var (train, validation) = DatasetSplit.Holdout(data, 0.2, seed: 1);
        var reports = new List<EpochReport>();
        foreach (var algorithm in new[] { Algorithm.BiasedSgd, Algorithm.Als, Algorithm.Notebook })
        {
            reports.Clear();
            var parameters = Wide(algorithm) with { Epochs = 4 };
            var result = Trainers.Create(parameters).Fit(train, validation, reports.Add);
            Assert.Equal([1, 2, 3, 4], reports.Select(r => r.Epoch));
            Assert.All(reports, r => Assert.True(r.ValidationRmse > 0 && r.TrainRmse > 0 && r.Objective > 0));
            Assert.Equal(4L * train.Count, result.Updates);
        }
    }

    [Fact]
    public void Fit_RejectsValidationWithOtherIdMaps()
    {
        var data = Synthetic.LowRank(users: 20, items: 20, rank: 2, noise: 0.3, density: 0.5, seed: 4);
        var other = Synthetic.LowRank(users: 20, items: 20, rank: 2, noise: 0.3, density: 0.5, seed: 4);
        Assert.Throws<ArgumentException>(() => Trainers.Create(Wide(Algorithm.BiasedSgd)).Fit(data, other));
    }
}
