using Recommender.Core.Data;
using Recommender.Core.Ranking;

namespace Recommender.Core.Tests;

public class RankingModelTests
{
    private static readonly RatingDataset Data = Synthetic.Groups(users: 30, items: 24, groups: 3, density: 0.5, noise: 0.05, seed: 11);

    public static TheoryData<RankingAlgorithm> Algorithms => [RankingAlgorithm.Popularity, RankingAlgorithm.Ease, RankingAlgorithm.ImplicitAls];

    private static RankingModel Fit(RankingAlgorithm algorithm) =>
        RankingTrainer.Fit(RankingParameters.For(algorithm) with { Factors = 6, Epochs = 10, Regularization = algorithm == RankingAlgorithm.Ease ? 5f : 0.1f }, Data).Model;

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void Recommend_ExcludesRatedAndExcludedItems_BestFirst(RankingAlgorithm algorithm)
    {
        var model = Fit(algorithm);
        var user = model.User(3);
        var excluded = new HashSet<int> { model.Recommend(3, 1)[0].ItemIndex };

        var top = model.Recommend(3, 50, excluded);

        Assert.NotEmpty(top);
        Assert.All(top, r => Assert.False(user.HasRated(r.ItemIndex) || excluded.Contains(r.ItemIndex)));
        Assert.All(top, r => Assert.True(model.IsItemTrained(r.ItemIndex)));
        Assert.Equal(top.OrderByDescending(r => r.Score).ThenBy(r => r.ItemIndex), top);
        Assert.Equal(top.Count, top.Select(r => r.ItemIndex).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void Recommend_ForAUserWithoutRatings_IsPopularity(RankingAlgorithm algorithm)
    {
        var model = Fit(algorithm);

        var folded = model.FoldIn([]);

        Assert.True(folded.IsFallback);
        Assert.Equal(model.Popular(5), model.Recommend(folded, 5));
        Assert.Equal(model.Popular(5).Select(r => r.ItemIndex), Enumerable.Range(0, model.Items.Count)
            .Where(model.IsItemTrained).OrderByDescending(model.InteractionCount).ThenBy(i => i).Take(5));
    }

    [Fact]
    public void Popular_SkipsExcludedItems_AndScoresByInteractionCount()
    {
        var model = Fit(RankingAlgorithm.Popularity);
        var first = model.Popular(1)[0];

        var next = model.Popular(3, new HashSet<int> { first.ItemIndex });

        Assert.DoesNotContain(next, r => r.ItemIndex == first.ItemIndex);
        Assert.All(next, r => Assert.Equal(model.InteractionCount(r.ItemIndex), r.Score));
    }

    [Fact]
    public void FoldIn_OfAnUnchangedUser_RanksExactlyAsTheTrainedUser_ForEase()
    {
        var model = Fit(RankingAlgorithm.Ease);
        for (var u = 0; u < model.Users.Count; u++)
        {
            var ratings = ImplicitAlsTests.Ratings(Data, u);

            Assert.Equal(model.Recommend(u, 10), model.Recommend(ratings, 10));
        }
    }

    [Fact]
    public void FoldIn_IgnoresUnknownItemsForScoring_ButExcludesEveryGivenItem()
    {
        var model = Fit(RankingAlgorithm.Ease);
        var liked = model.Recommend(0, 1)[0].ItemIndex;

        var user = model.FoldIn([(liked, 5f), (liked, 1f), (2, 4f)]);

        Assert.Equal([Math.Min(2, liked), Math.Max(2, liked)], user.RatedItems.ToArray().Distinct());
        Assert.DoesNotContain(model.Recommend(user, 30), r => r.ItemIndex == liked || r.ItemIndex == 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.FoldIn([(model.Items.Count, 5f)]));
    }

    [Theory]
    [InlineData(RankingAlgorithm.Ease)]
    [InlineData(RankingAlgorithm.ImplicitAls)]
    public void SimilarItems_FindsTheSameGroup_AndNeverTheItemItself(RankingAlgorithm algorithm)
    {
        var model = RankingTrainer.Fit(RankingParameters.For(algorithm) with { Factors = 3, Epochs = 20, Regularization = algorithm == RankingAlgorithm.Ease ? 20f : 1f },
            Synthetic.Groups(users: 120, items: 24, groups: 3, density: 0.6, noise: 0.02, seed: 12)).Model;

        for (var i = 0; i < model.Items.Count; i++)
        {
            var similar = model.SimilarItems(i, 4);
            Assert.Equal(4, similar.Count);
            Assert.All(similar, s => Assert.NotEqual(i, s.Index));
            Assert.All(similar, s => Assert.Equal(i * 3 / 24, s.Index * 3 / 24));
        }
    }

    [Fact]
    public void SimilarItems_IsEmpty_ForPopularityAndForAnItemWithoutInteractions()
    {
        var data = RatingDataset.FromTriples([("u0", "i0", 5f), ("u0", "i1", 4f), ("u1", "i1", 5f), ("u1", "i2", 1f)]);
        var ease = RankingTrainer.Fit(RankingParameters.For(RankingAlgorithm.Ease) with { PositiveThreshold = 4f }, data).Model;

        Assert.Empty(ease.SimilarItems(ease.Items.IndexOf("i2"), 5));
        Assert.Empty(Fit(RankingAlgorithm.Popularity).SimilarItems(0, 5));
    }

    [Fact]
    public void WithInfo_StampsVersionAndMetrics_AndIsFiniteHolds()
    {
        var model = Fit(RankingAlgorithm.Ease);
        var metrics = new RankingMetrics(0.2, 0.3, 0.4, 10, 100);

        var stamped = model.WithInfo(7, DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), metrics);

        Assert.Equal((7L, metrics), (stamped.Version, stamped.Metrics));
        Assert.Equal(0, model.Version);
        Assert.True(stamped.IsFinite);
        Assert.Equal(model.Recommend(1, 5), stamped.Recommend(1, 5));
    }
}
