using Recommender.Core.Data;
using Recommender.Core.Evaluation;
using Recommender.Core.Model;
using Recommender.Core.Training;

namespace Recommender.Core.Tests;

public class BlendTests
{
    private static readonly TrainingParameters SmallBayesian = TrainingParameters.For(Algorithm.Bayesian) with
    {
        Factors = 4, Epochs = 40, BurnIn = 10, Samples = 6,
    };

    private static readonly TrainingParameters SmallSvdPlusPlus = TrainingParameters.For(Algorithm.SvdPlusPlus) with
    {
        Factors = 6, Epochs = 40, LearningRate = 0.02f, LearningRateDecay = 0.97f, Regularization = 0.05f, EarlyStoppingPatience = 0,
    };

    private static TrainingParameters Blend(params TrainingParameters[] parts) =>
        TrainingParameters.Blend(parts) with { MinRating = -100, MaxRating = 100, Threads = 2, Seed = 9 };

    [Fact]
    public void Fit_ScoresExactlyTheMeanOfItsPartsTrainedAlone()
    {
        var data = Synthetic.ChosenByTaste(users: 150, items: 80, match: 0.15, mismatch: 0.03, noise: 0.5, seed: 4);
        var parameters = Blend(SmallBayesian, SmallSvdPlusPlus, TrainingParameters.For(Algorithm.BiasedSgd) with { Factors = 5, Epochs = 20 });

        var blend = Trainers.Create(parameters).Fit(data).Model;
        var parts = parameters.ResolvedParts().Select(p => Trainers.Create(p).Fit(data).Model).ToList();

        Assert.Equal(4 * 6 + 6 + 5, blend.Factors);
        Assert.Equal(blend.Factors, blend.Parameters.Factors);
        for (var u = 0; u < blend.Users.Count; u += 7)
        {
            for (var i = 0; i < blend.Items.Count; i++)
            {
                var mean = parts.Average(p => p.Score(p.User(u), i));
                Assert.Equal(mean, blend.Score(blend.User(u), i), 1e-4);
            }
        }
    }

    [Fact]
    public void Fit_IsMoreAccurateThanEitherPart_OnHeldOutRatings()
    {
        var data = Synthetic.ChosenByTaste(users: 400, items: 200, match: 0.1, mismatch: 0.02, noise: 0.5, seed: 31);
        var (train, test) = DatasetSplit.Holdout(data, 0.2, seed: 3);
        var parameters = Blend(SmallBayesian, SmallSvdPlusPlus);

        var blend = Evaluator.Accuracy(Trainers.Create(parameters).Fit(train).Model, test).Rmse;
        var parts = parameters.ResolvedParts().Select(p => Evaluator.Accuracy(Trainers.Create(p).Fit(train).Model, test).Rmse).ToList();

        Assert.True(blend < parts.Min() - 0.005, $"blend RMSE {blend:F4} against its parts' {string.Join(", ", parts.Select(r => r.ToString("F4")))}");
    }

    [Fact]
    public void FoldIn_OfATrainingUser_PredictsLikeTheTrainedUser()
    {
        var data = Synthetic.LowRank(users: 200, items: 100, rank: 3, noise: 0.3, density: 0.3, seed: 6);
        var model = Trainers.Create(Blend(SmallBayesian, SmallSvdPlusPlus)).Fit(data).Model;
        FoldInAssert.PredictsLikeTheTrainedUsers(model, data);
    }

    [Fact]
    public void FoldIn_OfANewUser_SolvesEachPartOnItsOwnColumns()
    {
        // A blend of one part with itself: the columns of both copies must come out equal, and the blend's fold-in
        // must predict what the part's own fold-in does.
        var data = Synthetic.LowRank(users: 120, items: 60, rank: 2, noise: 0.3, density: 0.3, seed: 8);
        var part = SmallSvdPlusPlus with { Factors = 4 };
        var parameters = Blend(part, part);
        var blend = Trainers.Create(parameters).Fit(data).Model;
        var alone = Trainers.Create(parameters.ResolvedParts()[0]).Fit(data).Model;
        List<(int, float)> ratings = [(0, 5f), (3, 1f), (7, 4f), (11, 2f), (19, 4.5f)];

        var folded = blend.FoldIn(ratings);
        var expected = alone.FoldIn(ratings);

        var factors = folded.Factors.Span;
        for (var f = 0; f < 4; f++)
        {
            Assert.Equal(factors[f], factors[4 + f], 1e-5);
        }

        for (var i = 0; i < blend.Items.Count; i++)
        {
            Assert.Equal(alone.Score(expected, i), blend.Score(folded, i), 1e-3);
        }
    }

    [Fact]
    public void Snapshot_RoundTripsTheBlend_WithItsParts()
    {
        var data = Synthetic.LowRank(users: 80, items: 50, rank: 2, noise: 0.3, density: 0.3, seed: 3);
        var model = Trainers.Create(Blend(SmallBayesian with { Epochs = 12, BurnIn = 4, Samples = 2 }, SmallSvdPlusPlus with { Epochs = 5 })).Fit(data).Model;
        using var stream = new MemoryStream();
        FactorModelSerializer.Write(model, stream);
        stream.Position = 0;

        var read = FactorModelSerializer.Read(stream);

        Assert.Equal(model.Parameters.Parts!.Select(p => p.Algorithm), read.Parameters.Parts!.Select(p => p.Algorithm));
        Assert.Equal(model.Parameters.Parts![0].Samples, read.Parameters.Parts![0].Samples);
        List<(int, float)> ratings = [(1, 4f), (2, 2f), (5, 5f)];
        var (before, after) = (model.FoldIn(ratings), read.FoldIn(ratings));
        for (var i = 0; i < model.Items.Count; i++)
        {
            Assert.Equal(model.Score(model.User(7), i), read.Score(read.User(7), i));
            Assert.Equal(model.Score(before, i), read.Score(after, i));
        }
    }

    [Fact]
    public void TheDefaultBlend_IsTheBayesianSamplerAndSvdPlusPlus_SideBySide()
    {
        var blend = TrainingParameters.For(Algorithm.Blend);
        blend.Validate();

        Assert.Equal([Algorithm.Bayesian, Algorithm.SvdPlusPlus], blend.Parts!.Select(p => p.Algorithm));
        Assert.Equal((32 * 16) + 64, blend.Factors);
    }

    public static TheoryData<TrainingParameters, string> InvalidBlends => new()
    {
        { TrainingParameters.For(Algorithm.Blend) with { Parts = null }, "Parts must be given for a blend" },
        { TrainingParameters.For(Algorithm.Bayesian) with { Parts = [SmallBayesian, SmallSvdPlusPlus] }, "Parts must be given for a blend and only for a blend" },
        { TrainingParameters.Blend(SmallBayesian), "Parts must list two to four models" },
        { TrainingParameters.Blend(SmallBayesian, TrainingParameters.For(Algorithm.Notebook)), "Parts may only hold" },
        { TrainingParameters.Blend(SmallBayesian, TrainingParameters.For(Algorithm.Blend)), "Parts may only hold" },
        { TrainingParameters.Blend(SmallBayesian, SmallSvdPlusPlus with { LearningRate = 0 }), "the SvdPlusPlus part's LearningRate must be positive" },
        { TrainingParameters.Blend(TrainingParameters.For(Algorithm.Bayesian), SmallSvdPlusPlus), "Parts must not take more than 1024 factors" },
    };

    [Theory]
    [MemberData(nameof(InvalidBlends))]
    public void Validate_NamesWhatIsWrongWithABlend(TrainingParameters parameters, string message)
    {
        var error = Assert.Throws<ArgumentException>(parameters.Validate);
        Assert.Equal(nameof(TrainingParameters.Parts), error.ParamName);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
