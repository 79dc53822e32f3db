using Recommender.Core.Data;
using Recommender.Core.Ranking;

namespace Recommender.Core.Tests;

public class ImplicitAlsTests
{
    private static readonly RankingParameters Small = RankingParameters.For(RankingAlgorithm.ImplicitAls) with
    {
        Factors = 4,
        Epochs = 30,
        Regularization = 1f,
        Alpha = 10f,
    };

    [Fact]
    public void ImplicitAls_RecoversPlantedGroups_InEveryUsersTopItems()
    {
        var data = Synthetic.Groups(users: 60, items: 45, groups: 3, density: 0.5, noise: 0.02, seed: 7);

        var model = RankingTrainer.Fit(Small, data).Model;

        int hits = 0, total = 0;
        for (var u = 0; u < model.Users.Count; u++)
        {
            // Of the best min(3, unrated items of the user's own group) items, nearly all come from that group.
            var group = u * 3 / 60;
            var user = model.User(u);
            var unrated = Enumerable.Range(group * 15, 15).Count(i => !user.HasRated(i));
            foreach (var item in model.Recommend(u, Math.Min(3, unrated)))
            {
                hits += item.ItemIndex * 3 / 45 == group ? 1 : 0;
                total++;
            }
        }

        Assert.True(hits >= 0.95 * total, $"{hits} of {total} in the user's group");
    }

    [Fact]
    public void ImplicitAls_GivesIdenticalFactors_ForTheSameSeedOnOneAndTwoThreads()
    {
        var data = Synthetic.Groups(users: 50, items: 40, groups: 4, density: 0.4, noise: 0.05, seed: 8);

        var first = RankingTrainer.Fit(Small with { Threads = 1 }, data).Model;
        var again = RankingTrainer.Fit(Small with { Threads = 1 }, data).Model;
        var twoThreads = RankingTrainer.Fit(Small with { Threads = 2 }, data).Model;
        var otherSeed = RankingTrainer.Fit(Small with { Seed = 43 }, data).Model;

        Assert.Equal(first.UserFactors, again.UserFactors);
        Assert.Equal(first.ItemFactors, again.ItemFactors);
        Assert.Equal(first.UserFactors, twoThreads.UserFactors);
        Assert.Equal(first.ItemFactors, twoThreads.ItemFactors);
        Assert.NotEqual(first.ItemFactors, otherSeed.ItemFactors);
    }

    [Fact]
    public void FoldIn_SolvesTheTrainedRow_ForAnUnchangedUser()
    {
        var data = Synthetic.Groups(users: 40, items: 30, groups: 3, density: 0.5, noise: 0.05, seed: 9);
        var model = RankingTrainer.Fit(Small with { Epochs = 60, ConjugateGradientSteps = 8 }, data).Model;

        for (var u = 0; u < model.Users.Count; u += 7)
        {
            var trained = model.User(u);
            var folded = model.FoldIn(Ratings(data, u));

            Assert.Equal(trained.RatedItems.ToArray(), folded.RatedItems.ToArray());
            var a = trained.Factors.Span;
            var b = folded.Factors.Span;
            for (var f = 0; f < a.Length; f++)
            {
                Assert.Equal(a[f], b[f], 1e-2f);
            }

            Assert.Equal(model.Recommend(trained, 5).Select(r => r.ItemIndex), model.Recommend(folded, 5).Select(r => r.ItemIndex));
        }
    }

    [Fact]
    public void EveryHyperparameter_ChangesTheModel()
    {
        var data = Synthetic.Groups(users: 30, items: 24, groups: 3, density: 0.5, noise: 0.05, seed: 10);
        var baseline = RankingTrainer.Fit(Small with { Epochs = 5 }, data).Model.ItemFactors;
        RankingParameters[] variants =
        [
            Small with { Epochs = 6 },
            Small with { Epochs = 5, Alpha = 5f },
            Small with { Epochs = 5, Regularization = 2f },
            Small with { Epochs = 5, RegularizationExponent = 0.5f },
            Small with { Epochs = 5, ConjugateGradientSteps = 1 },
            Small with { Epochs = 5, InitStandardDeviation = 0.5 },
            Small with { Epochs = 5, PositiveThreshold = 4.5f },
        ];

        foreach (var variant in variants)
        {
            Assert.False(baseline.SequenceEqual(RankingTrainer.Fit(variant, data).Model.ItemFactors), variant.ToString());
        }
    }

    internal static List<(int ItemIndex, float Rating)> Ratings(RatingDataset data, int user) =>
        Enumerable.Range(0, data.Count).Where(n => data.UserIndices[n] == user).Select(n => (data.ItemIndices[n], data.Values[n])).ToList();
}
