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

public class ResponseCacheTests
{
    [Fact]
    public void KeepsBodiesUpToItsBudget_ThenWritesWithoutKeeping()
    {
        var cache = new ResponseCache(maxBytes: 100);
        cache.Add(user: 1, count: 10, new byte[60]);
        cache.Add(user: 2, count: 10, new byte[60]);
        cache.Add(user: 1, count: 5, new byte[40]);

        Assert.True(cache.TryGet(1, 10, out var kept));
        Assert.Equal(60, kept.Length);
        Assert.False(cache.TryGet(2, 10, out _));
        Assert.True(cache.TryGet(1, 5, out _));
        Assert.False(cache.TryGet(1, 6, out _));
        Assert.Equal((2, 100L), (cache.Count, cache.Bytes));
    }

    [Fact]
    public void ASecondBodyForTheSameList_KeepsTheFirst_AndItsBytesOnce()
    {
        var cache = new ResponseCache(maxBytes: 1000);
        cache.Add(user: 3, count: 10, [1, 2, 3]);
        cache.Add(user: 3, count: 10, [4, 5, 6, 7]);

        Assert.True(cache.TryGet(3, 10, out var kept));
        Assert.Equal([1, 2, 3], kept);
        Assert.Equal(3, cache.Bytes);
    }
}

public class ModelStoreTests
{
    private static readonly Core.Model.FactorModel Model = Trainers.Create(TrainingParameters.For(Algorithm.BiasedSgd) with { Factors = 2, Epochs = 2 })
        .Fit(RatingDataset.FromTriples([("u", "i", 4f), ("u", "j", 2f), ("v", "i", 5f)])).Model;

    [Fact]
    public void Publishing_RetiresTheVersionItReplaces_SoItsBackgroundWarmUpStops()
    {
        var store = new ModelStore();
        var first = new ServingModel(Model, DataVersion: 1);
        var second = new ServingModel(Model, DataVersion: 2);

        store.Publish(first);
        Assert.False(first.Retired.IsCancellationRequested);
        store.Publish(second);

        Assert.True(first.Retired.IsCancellationRequested);
        Assert.False(second.Retired.IsCancellationRequested);
        Assert.Same(first, store.Previous);

        // Warming a retired version stops at once instead of ranking every user.
        Assert.Throws<OperationCanceledException>(() => first.Recommendations.Warm(Model, 1, first.Retired));
        Assert.Equal(0, first.Recommendations.Count);
    }
}
