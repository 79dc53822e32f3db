using Recommender.Core.Data;
using Recommender.Core.Evaluation;
using Recommender.Core.Model;
using Recommender.Core.Training;

namespace Recommender.Core.Tests;

public class BayesianTrainerTests
{
    private const double Noise = 0.5;

    private static TrainingParameters Bayesian(int factors = 4, int epochs = 60, int burnIn = 20, int samples = 8) =>
        TrainingParameters.For(Algorithm.Bayesian) with
        {
            Factors = factors, Epochs = epochs, BurnIn = burnIn, Samples = samples, MinRating = -100, MaxRating = 100, Threads = 2,
        };

    [Fact]
    public void Fit_RecoversLowRankMatrix_CloseToTheNoiseFloor()
    {
        var data = Synthetic.LowRank(users: 300, items: 200, rank: 3, noise: Noise, density: 0.4, seed: 11);
        var (train, test) = DatasetSplit.Holdout(data, 0.1, seed: 5);

        var model = Trainers.Create(Bayesian(factors: 6)).Fit(train).Model;

        var (rmse, _) = Evaluator.Accuracy(model, test);
        Assert.True(rmse <= 1.08 * Noise, $"holdout RMSE {rmse:F4} exceeds 1.08σ = {1.08 * Noise}");
    }

    [Fact]
    public void Fit_BeatsAnOverfittedSgdModel_OnHeldOutRatings()
    {
        // Sparse and noisy, with more factors than the planted rank: unregularized SGD fits the noise; the sampler
        // infers how much to shrink from the data.
        var data = Synthetic.LowRank(users: 200, items: 150, rank: 2, noise: 0.8, density: 0.15, seed: 21);
        var (train, test) = DatasetSplit.Holdout(data, 0.2, seed: 2);
        var overfitted = TrainingParameters.For(Algorithm.BiasedSgd) with
        {
            Factors = 16, Epochs = 100, Regularization = 0f, BiasRegularization = 0f, LearningRateDecay = 1f, EarlyStoppingPatience = 0,
            MinRating = -100, MaxRating = 100,
        };

        var sgd = Evaluator.Accuracy(Trainers.Create(overfitted).Fit(train).Model, test).Rmse;
        var bayesian = Evaluator.Accuracy(Trainers.Create(Bayesian(factors: 16, samples: 4)).Fit(train).Model, test).Rmse;

        Assert.True(bayesian < sgd - 0.1, $"Bayesian RMSE {bayesian:F4} against over-fitted SGD {sgd:F4}");
    }

    [Fact]
    public void Fit_GivesTheSameModel_ForTheSameSeed_AndAnyThreadCount()
    {
        var data = Synthetic.LowRank(users: 120, items: 90, rank: 2, noise: Noise, density: 0.3, seed: 12);
        var parameters = Bayesian(epochs: 12, burnIn: 4, samples: 3);
        var one = Trainers.Create(parameters with { Threads = 1 }).Fit(data);
        var again = Trainers.Create(parameters with { Threads = 1 }).Fit(data);
        var other = Trainers.Create(parameters with { Threads = 3 }).Fit(data);
        var reseeded = Trainers.Create(parameters with { Threads = 1, Seed = 43 }).Fit(data);

        Assert.Equal(one.History.Select(e => e.Objective), again.History.Select(e => e.Objective));
        Assert.Equal(one.History.Select(e => e.Objective), other.History.Select(e => e.Objective));
        Assert.NotEqual(one.History.Select(e => e.Objective), reseeded.History.Select(e => e.Objective));
        for (var u = 0; u < data.Users.Count; u += 7)
        {
            for (var i = 0; i < data.Items.Count; i += 5)
            {
                Assert.Equal(one.Model.Score(one.Model.User(u), i), again.Model.Score(again.Model.User(u), i));
                Assert.Equal(one.Model.Score(one.Model.User(u), i), other.Model.Score(other.Model.User(u), i));
            }
        }
    }

    [Fact]
    public void Model_PredictsTheMeanOfThePerSamplePredictions()
    {
        // The chain up to sweep t depends on the seed only, so a one-sample run of t sweeps holds exactly sample t.
        var data = Synthetic.LowRank(users: 12, items: 9, rank: 2, noise: Noise, density: 0.6, seed: 13);
        const int burnIn = 5;
        var averaged = Trainers.Create(Bayesian(factors: 3, epochs: burnIn + 3, burnIn: burnIn, samples: 3)).Fit(data).Model;
        var singles = Enumerable.Range(1, 3)
            .Select(s => Trainers.Create(Bayesian(factors: 3, epochs: burnIn + s, burnIn: burnIn + s - 1, samples: 1)).Fit(data).Model)
            .ToArray();

        Assert.Equal(9, averaged.Factors);
        for (var u = 0; u < data.Users.Count; u++)
        {
            for (var i = 0; i < data.Items.Count; i++)
            {
                var mean = singles.Average(m => (double)m.Score(m.User(u), i));
                Assert.Equal(mean, averaged.Score(averaged.User(u), i), 1e-4);
            }
        }
    }

    [Fact]
    public void Fit_StoresEvenlySpacedSamples_EndingWithTheLastSweep()
    {
        var data = Synthetic.LowRank(users: 20, items: 15, rank: 2, noise: Noise, density: 0.5, seed: 14);
        var reports = new List<EpochReport>();
        var (train, validation) = DatasetSplit.Holdout(data, 0.2, seed: 1);

        var result = Trainers.Create(Bayesian(epochs: 10, burnIn: 4, samples: 3)).Fit(train, validation, reports.Add);

        Assert.Equal(Enumerable.Range(1, 10), reports.Select(r => r.Epoch));
        Assert.Equal(12, result.Model.Factors);
        Assert.Equal(10L * train.Count, result.Updates);
        Assert.Equal(reports[^1].ValidationRmse!.Value, Evaluator.Accuracy(result.Model, validation).Rmse, 1e-4);
    }

    [Fact]
    public void FoldIn_OfATrainingUser_PredictsLikeTheTrainedUser()
    {
        var data = Synthetic.LowRank(users: 200, items: 100, rank: 3, noise: 0.3, density: 0.3, seed: 6);
        var model = Trainers.Create(Bayesian(factors: 6)).Fit(data).Model;
        FoldInAssert.PredictsLikeTheTrainedUsers(model, data);
    }

    [Fact]
    public void Snapshot_RoundTripsEveryPrediction()
    {
        var model = Trainers.Create(Bayesian(factors: 3, epochs: 10, burnIn: 2, samples: 4))
            .Fit(Synthetic.LowRank(users: 30, items: 25, rank: 2, noise: 0.3, density: 0.5, seed: 3)).Model;
        using var stream = new MemoryStream();
        FactorModelSerializer.Write(model, stream);
        stream.Position = 0;

        var copy = FactorModelSerializer.Read(stream);

        Assert.Equal(model.Parameters, copy.Parameters);
        for (var u = 0; u < model.Users.Count; u++)
        {
            for (var i = 0; i < model.Items.Count; i++)
            {
                Assert.Equal(model.Predict(model.User(u), i), copy.Predict(copy.User(u), i));
            }
        }
    }

    public static TheoryData<TrainingParameters, string> Invalid => new()
    {
        { Bayesian() with { Samples = 0 }, nameof(TrainingParameters.Samples) },
        { Bayesian() with { BurnIn = -1 }, nameof(TrainingParameters.BurnIn) },
        { Bayesian(epochs: 50, burnIn: 50) with { Samples = 1 }, nameof(TrainingParameters.BurnIn) },
        { Bayesian(epochs: 50, burnIn: 45, samples: 6), nameof(TrainingParameters.Samples) },
        { Bayesian(factors: 64, epochs: 100, burnIn: 10, samples: 17), nameof(TrainingParameters.Samples) },
        { Bayesian() with { Factors = 0 }, nameof(TrainingParameters.Factors) },
        { TrainingParameters.For(Algorithm.SvdPlusPlus) with { LearningRate = 0 }, nameof(TrainingParameters.LearningRate) },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Validate_NamesTheField_WhenAValueIsInvalid(TrainingParameters parameters, string field)
    {
        var error = Assert.Throws<ArgumentException>(parameters.Validate);
        Assert.Equal(field, error.ParamName);
    }

    [Fact]
    public void Defaults_AreValid_ForEveryAlgorithm()
    {
        foreach (var algorithm in Enum.GetValues<Algorithm>())
        {
            TrainingParameters.For(algorithm).Validate();
        }
    }
}
