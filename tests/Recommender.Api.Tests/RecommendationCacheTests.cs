using Recommender.Api.Training;
using Recommender.Core.Data;
using Recommender.Core.Training;

namespace Recommender.Api.Tests;

public class RecommendationCacheTests
{
    private static readonly Core.Model.FactorModel Model = Trainers.Create(TrainingParameters.For(Algorithm.BiasedSgd) with { Factors = 4, Epochs = 5 })
        .Fit(RatingDataset.FromTriples(
            from u in Enumerable.Range(0, 30)
            from i in Enumerable.Range(0, 150)
            where (u * 7 + i * 3) % 4 == 0
            select ($"u{u}", $"i{i}", (float)(1 + (u + i) % 5)))).Model;

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(100)]
    [InlineData(120)]
    public void Top_EqualsAFreshRanking_ForAnyCount(int count)
    {
        var cache = new RecommendationCache();
        cache.Warm(Model, threads: 2, CancellationToken.None);
        Assert.Equal(30, cache.Count);
        for (var u = 0; u < Model.Users.Count; u++)
        {
            var user = Model.User(u);
            Assert.Equal(Model.Recommend(user, count), cache.Top(Model, user, count));
        }
    }

    [Fact]
    public void Top_DoesNotCacheFoldedInUsers()
    {
        var cache = new RecommendationCache();
        var folded = Model.FoldIn([(0, 5f), (1, 1f)], userIndex: 0);
        Assert.Equal(Model.Recommend(folded, 10), cache.Top(Model, folded, 10));
        Assert.Equal(0, cache.Count);
    }
}
