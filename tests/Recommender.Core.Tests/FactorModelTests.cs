using Recommender.Core.Data;
using Recommender.Core.Model;
using Recommender.Core.Training;

namespace Recommender.Core.Tests;

public class FactorModelTests
{
    private static readonly TrainingParameters Small = TrainingParameters.For(Algorithm.BiasedSgd) with
    {
        Factors = 4,
        Epochs = 40,
        LearningRate = 0.02f,
        LearningRateDecay = 1f,
        Regularization = 0.02f,
        EarlyStoppingPatience = 0,
    };

    private static FactorModel Train(RatingDataset data, TrainingParameters? parameters = null) =>
        Trainers.Create(parameters ?? Small).Fit(data).Model;

    [Theory]
    [InlineData(Algorithm.BiasedSgd)]
    [InlineData(Algorithm.Als)]
    [InlineData(Algorithm.Notebook)]
    public void Recommend_RanksTheWithheldLikedItemFirst_OnACheckerboard(Algorithm algorithm)
    {
        var parameters = algorithm switch
        {
            Algorithm.Als => TrainingParameters.For(Algorithm.Als) with { Factors = 4, Epochs = 10 },
            Algorithm.Notebook => TrainingParameters.For(Algorithm.Notebook) with { Factors = 4, Epochs = 300 },
            _ => Small,
        };
        var model = Train(Synthetic.Checkerboard(), parameters);

        var top = model.Recommend(model.User(0), 5);

        Assert.Equal(2, top.Count); // only items 3 and 13 are unrated
        Assert.Equal("i3", model.Items.GetId(top[0].ItemIndex));
        Assert.True(model.Predict("u0", "i3").Value - model.Predict("u0", "i13").Value > 2, "liked and disliked items should be far apart");
    }

    public static TheoryData<string, TrainingParameters> HyperparameterChanges => new()
    {
        { nameof(TrainingParameters.Factors), Small with { Factors = 6 } },
        { nameof(TrainingParameters.Epochs), Small with { Epochs = 20 } },
        { nameof(TrainingParameters.LearningRate), Small with { LearningRate = 0.01f } },
        { nameof(TrainingParameters.LearningRateDecay), Small with { LearningRateDecay = 0.9f } },
        { nameof(TrainingParameters.Regularization), Small with { Regularization = 0.2f } },
        { nameof(TrainingParameters.BiasRegularization), Small with { BiasRegularization = 0.5f } },
        { nameof(TrainingParameters.InitStandardDeviation), Small with { InitStandardDeviation = 0.3 } },
        { nameof(TrainingParameters.Seed), Small with { Seed = 43 } },
        { nameof(TrainingParameters.MaxRating), Small with { MaxRating = 3.5f } },
        { nameof(TrainingParameters.MinRating), Small with { MinRating = 2.9f } },
        { nameof(TrainingParameters.Algorithm), Small with { Algorithm = Algorithm.Als, Regularization = 0.1f } },
        { "Als." + nameof(TrainingParameters.Regularization), Small with { Algorithm = Algorithm.Als, Regularization = 0.5f } },
        { "Notebook", Small with { Algorithm = Algorithm.Notebook } },
    };

    [Theory]
    [MemberData(nameof(HyperparameterChanges))]
    public void Fit_ChangesPredictions_WhenAHyperparameterChanges(string name, TrainingParameters changed)
    {
        var data = Synthetic.LowRank(users: 40, items: 30, rank: 2, noise: 0.3, density: 0.5, seed: 8);
        var baseline = name.StartsWith("Als.", StringComparison.Ordinal)
            ? Train(data, Small with { Algorithm = Algorithm.Als, Regularization = 0.1f })
            : Train(data);
        var other = Train(data, changed);

        var difference = 0.0;
        for (var u = 0; u < data.Users.Count; u++)
        {
            for (var i = 0; i < data.Items.Count; i++)
            {
                difference = Math.Max(difference, Math.Abs(baseline.Predict(baseline.User(u), i).Value - other.Predict(other.User(u), i).Value));
            }
        }

        Assert.True(difference > 1e-3, $"changing {name} did not change any prediction");
    }

    [Fact]
    public void EarlyStoppingPatience_ChangesTheResult_WithAValidationSet()
    {
        var data = Synthetic.LowRank(users: 60, items: 40, rank: 2, noise: 0.8, density: 0.4, seed: 8);
        var (train, validation) = DatasetSplit.Holdout(data, 0.2, 3);
        var overfit = Small with { Factors = 32, Regularization = 0, LearningRate = 0.03f, Epochs = 150 };
        var stopped = Trainers.Create(overfit with { EarlyStoppingPatience = 2 }).Fit(train, validation);
        var full = Trainers.Create(overfit with { EarlyStoppingPatience = 0 }).Fit(train, validation);
        Assert.True(stopped.History.Count < full.History.Count);
        Assert.NotEqual(stopped.Model.Predict("u0", "i0").Value, full.Model.Predict("u0", "i0").Value);
    }

    [Fact]
    public void UserSimilarity_IsSymmetricWithSelfSimilarityOne()
    {
        var model = Train(Synthetic.LowRank(users: 30, items: 25, rank: 3, noise: 0.3, density: 0.5, seed: 1));
        foreach (var basis in new[] { SimilarityBasis.PredictedRatings, SimilarityBasis.Factors })
        {
            for (var a = 0; a < 10; a++)
            {
                Assert.Equal(1f, model.UserSimilarity(model.User(a), model.User(a), basis), 1e-4f);
                for (var b = 0; b < 10; b++)
                {
                    var ab = model.UserSimilarity(model.User(a), model.User(b), basis);
                    Assert.Equal(ab, model.UserSimilarity(model.User(b), model.User(a), basis), 1e-5f);
                    Assert.InRange(ab, -1f, 1f);
                }
            }
        }
    }

    [Fact]
    public void UserSimilarity_OverPredictedRatings_EqualsTheCosineOfTheScoreRows()
    {
        var model = Train(Synthetic.LowRank(users: 30, items: 25, rank: 3, noise: 0.3, density: 0.5, seed: 1));
        var rows = Enumerable.Range(0, model.Users.Count).Select(u =>
        {
            var row = new float[model.Items.Count];
            model.Scores(model.User(u), row);
            return row;
        }).ToArray();
        var explicitCosine = NeighborRecommender.CosineSimilarity(rows);
        for (var a = 0; a < rows.Length; a++)
        {
            for (var b = 0; b < rows.Length; b++)
            {
                Assert.Equal(explicitCosine[a, b], model.UserSimilarity(model.User(a), model.User(b)), 1e-4f);
            }
        }
    }

    [Fact]
    public void Similarity_IsZeroAndFinite_ForZeroVectors()
    {
        var model = Train(Synthetic.LowRank(users: 10, items: 10, rank: 2, noise: 0.3, density: 0.7, seed: 1));
        var zero = model.FoldIn([]);
        Assert.True(zero.IsFallback);
        Assert.Equal(0f, model.UserSimilarity(zero, model.User(0), SimilarityBasis.Factors));
        Assert.All(model.SimilarUsers(zero, 5, SimilarityBasis.Factors), n => Assert.Equal(0f, n.Similarity));
    }

    [Fact]
    public void SimilarUsersAndItems_ExcludeSelf_AndAreSortedDescending()
    {
        var model = Train(Synthetic.LowRank(users: 30, items: 25, rank: 3, noise: 0.3, density: 0.5, seed: 1));
        var users = model.SimilarUsers(model.User(4), 50);
        Assert.Equal(29, users.Count);
        Assert.DoesNotContain(users, n => n.Index == 4);
        Assert.True(users.Zip(users.Skip(1)).All(p => p.First.Similarity >= p.Second.Similarity));
        var items = model.SimilarItems(7, 3);
        Assert.Equal(3, items.Count);
        Assert.DoesNotContain(items, n => n.Index == 7);
        Assert.True(items.Zip(items.Skip(1)).All(p => p.First.Similarity >= p.Second.Similarity));
    }

    [Fact]
    public void Recommend_HandlesEdgeCounts()
    {
        var data = Synthetic.LowRank(users: 10, items: 12, rank: 2, noise: 0.3, density: 0.5, seed: 1);
        var model = Train(data);
        var user = model.User(0);
        var unrated = 12 - user.RatedItems.Length;

        var all = model.Recommend(user, 1000);
        Assert.Equal(unrated, all.Count);
        Assert.DoesNotContain(all, s => user.HasRated(s.ItemIndex));
        Assert.True(all.Zip(all.Skip(1)).All(p => p.First.Score >= p.Second.Score));
        Assert.All(all, s => Assert.Equal(model.Clip(s.Score), s.PredictedRating));
        Assert.Empty(model.Recommend(user, 0));

        var exclude = new HashSet<int>(all.Take(2).Select(s => s.ItemIndex));
        var rest = model.Recommend(user, 1000, exclude);
        Assert.Equal(unrated - 2, rest.Count);
        Assert.Equal(all[2].ItemIndex, rest[0].ItemIndex);

        var everything = model.FoldIn(Enumerable.Range(0, 12).Select(i => (i, 3f)).ToList());
        Assert.Empty(model.Recommend(everything, 10));
    }

    [Theory]
    [InlineData(Algorithm.BiasedSgd)]
    [InlineData(Algorithm.Als)]
    public void FoldIn_OfATrainingUser_PredictsLikeTheTrainedUser(Algorithm algorithm)
    {
        var data = Synthetic.LowRank(users: 200, items: 100, rank: 3, noise: 0.3, density: 0.3, seed: 6);
        // Trained to convergence, the user rows are the per-user optima that fold-in solves for directly.
        var parameters = TrainingParameters.For(algorithm) with
        {
            Factors = 8, Epochs = algorithm == Algorithm.Als ? 20 : 150, LearningRate = 0.01f, LearningRateDecay = 0.98f,
            Regularization = 0.05f, BiasRegularization = 0.05f, EarlyStoppingPatience = 0, MinRating = -100, MaxRating = 100,
        };
        var model = Train(data, parameters);
        FoldInAssert.PredictsLikeTheTrainedUsers(model, data);
    }

    [Fact]
    public void FoldIn_OfANewUser_FollowsTheirRatings()
    {
        var model = Train(Synthetic.Checkerboard(), TrainingParameters.For(Algorithm.Als) with { Factors = 4, Epochs = 10 });
        var likesLowItems = model.FoldIn([(0, 5f), (1, 5f), (10, 1f), (11, 1f)]);
        var likesHighItems = model.FoldIn([(0, 1f), (1, 1f), (10, 5f), (11, 5f)]);
        Assert.Equal(-1, likesLowItems.Index);
        Assert.False(likesLowItems.IsFallback);
        Assert.True(model.Predict(likesLowItems, 5).Value > 4 && model.Predict(likesLowItems, 15).Value < 2);
        Assert.True(model.Predict(likesHighItems, 5).Value < 2 && model.Predict(likesHighItems, 15).Value > 4);
        Assert.True(model.Recommend(likesLowItems, 1)[0].ItemIndex < 10);
    }

    [Fact]
    public void Predict_FallsBackToMeanPlusKnownBias_ForUnknownIds()
    {
        var data = Synthetic.LowRank(users: 20, items: 20, rank: 2, noise: 0.3, density: 0.6, seed: 1);
        var model = Train(data);
        var item = model.Items.IndexOf("i3");
        var user = model.User(model.Users.IndexOf("u2"));

        var unknownUser = model.Predict("stranger", "i3");
        Assert.Equal(PredictionFallback.UnknownUser, unknownUser.Fallback);
        Assert.Equal(model.Clip(model.GlobalMean + model.Weights.ItemBias[item]), unknownUser.Value, 1e-6);

        var unknownItem = model.Predict("u2", "new song");
        Assert.Equal(PredictionFallback.UnknownItem, unknownItem.Fallback);
        Assert.Equal(model.Clip(model.GlobalMean + user.Bias), unknownItem.Value, 1e-6);

        var neither = model.Predict("stranger", "new song");
        Assert.Equal(PredictionFallback.UnknownUser | PredictionFallback.UnknownItem, neither.Fallback);
        Assert.Equal(model.Clip(model.GlobalMean), neither.Value, 1e-6);

        var known = model.Predict("u2", "i3");
        Assert.False(known.IsFallback);
        Assert.InRange(known.Value, model.MinRating, model.MaxRating);
    }

    [Fact]
    public void RecommendFromNeighbors_MatchesTheDenseNotebookMethod_OnTheModelsOwnRows()
    {
        var model = Train(NotebookData.Dataset(), TrainingParameters.For(Algorithm.Notebook) with { Factors = 5, Epochs = 200 });
        var rows = Enumerable.Range(0, 4).Select(u =>
        {
            var row = new float[12];
            model.Scores(model.User(u), row);
            return row;
        }).ToArray();

        var expected = NeighborRecommender.Recommend(rows, 1, NotebookData.RatedBy(1), neighbors: 3);
        var actual = model.RecommendFromNeighbors(model.User(1), neighbors: 3, count: 10);

        Assert.Equal(expected.Neighbors.Select(n => n.Index), actual.Neighbors.Select(n => n.Index));
        Assert.Equal(expected.Items.Select(i => i.ItemIndex), actual.Items.Select(i => i.ItemIndex));
        Assert.Equal(["Back in Black", "Brandenburg Concerto No. 3"], actual.Items.Select(i => model.Items.GetId(i.ItemIndex)));
        for (var n = 0; n < expected.Items.Count; n++)
        {
            Assert.Equal(expected.Items[n].Score, actual.Items[n].Score, 1e-3f);
        }
    }

    [Fact]
    public void PredictRow_EqualsPredictForEveryItem()
    {
        var model = Train(Synthetic.LowRank(users: 10, items: 15, rank: 2, noise: 0.3, density: 0.5, seed: 1));
        foreach (var user in new[] { model.User(3), model.FoldIn([]), model.FoldIn([(1, 5f), (2, 1f)]) })
        {
            var row = new float[model.Items.Count];
            model.PredictRow(user, row);
            for (var i = 0; i < row.Length; i++)
            {
                Assert.Equal(model.Predict(user, i).Value, row[i]);
            }
        }
    }

    [Fact]
    public void WithInfo_StampsVersionWithoutChangingPredictions()
    {
        var model = Train(Synthetic.Checkerboard());
        var stamped = model.WithInfo(7, DateTimeOffset.UnixEpoch, new ModelMetrics(0.9, 0.7, 0.1, 0.2, 0.3, 10));
        Assert.Equal(7, stamped.Version);
        Assert.Equal(0.9, stamped.Metrics!.Rmse);
        Assert.Equal(model.Predict("u1", "i1"), stamped.Predict("u1", "i1"));
    }
}
