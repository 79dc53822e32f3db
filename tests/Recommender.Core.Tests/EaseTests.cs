using Recommender.Core.Data;
using Recommender.Core.Ranking;

namespace Recommender.Core.Tests;

public class EaseTests
{
    /// <summary>
    /// Three users, three items: u0 rated i0 and i1, u1 rated i1 and i2, u2 rated all three (any rating counts).
    /// </summary>
    private static RatingDataset HandCase() => RatingDataset.FromTriples(
        [("u0", "i0", 5f), ("u0", "i1", 3f), ("u1", "i1", 4f), ("u1", "i2", 2f), ("u2", "i0", 1f), ("u2", "i1", 5f), ("u2", "i2", 4f)]);

    [Fact]
    public void Ease_MatchesTheHandSolvedWeights_OnATinyCase()
    {
        // XᵀX = [[2,2,1],[2,3,2],[1,2,2]] (co-occurrence counts); with λ = 1, G = [[3,2,1],[2,4,2],[1,2,3]],
        // P = G⁻¹ = [[½,−¼,0],[−¼,½,−¼],[0,−¼,½]] (det 16, see CholeskyInverseTests), every P_jj = ½, so
        // B_ij = −P_ij/P_jj: B = [[0,½,0],[½,0,½],[0,½,0]].
        var model = RankingTrainer.Fit(RankingParameters.For(RankingAlgorithm.Ease) with { Regularization = 1f, PositiveThreshold = null }, HandCase()).Model;

        float[] expected = [0, 0.5f, 0, 0.5f, 0, 0.5f, 0, 0.5f, 0];
        Assert.Equal(expected.Length, model.Weights.Length);
        for (var n = 0; n < expected.Length; n++)
        {
            Assert.Equal(expected[n], model.Weights.Span[n], 1e-6f);
        }

        // u0's scores x·B = [½, ½, ½]; i0 and i1 are rated, so i2 alone is recommended, with score ½.
        var top = model.Recommend(model.Users.IndexOf("u0"), 10);
        Assert.Equal([(model.Items.IndexOf("i2"), 0.5f)], top.Select(t => (t.ItemIndex, (float)Math.Round(t.Score, 6))));
    }

    [Fact]
    public void Woodbury_AgreesWithTheDirectInverse_WhenUsersAreFewerThanItems()
    {
        var data = Synthetic.Groups(users: 12, items: 40, groups: 3, density: 0.5, noise: 0.1, seed: 4);
        var x = Interactions.Build(data, _ => true);
        var active = Enumerable.Range(0, x.Items).Where(i => x.ByItem.Offsets[i + 1] > x.ByItem.Offsets[i]).ToArray();
        var slot = new int[x.Items];
        Array.Fill(slot, -1);
        for (var k = 0; k < active.Length; k++)
        {
            slot[active[k]] = k;
        }

        var users = Enumerable.Range(0, x.Users).Where(u => x.ByUser.Offsets[u + 1] > x.ByUser.Offsets[u]).ToArray();
        var options = new ParallelOptions { MaxDegreeOfParallelism = 2 };
        Assert.True(users.Length < active.Length);

        var direct = EaseTrainer.Direct(x, active, slot, 3.0, options);
        var woodbury = EaseWoodbury.Fit(x, active, slot, users, 3.0, options);

        Assert.Equal(direct.Length, woodbury.Length);
        for (var n = 0; n < direct.Length; n++)
        {
            Assert.Equal(direct[n], woodbury[n], 1e-5f);
        }
    }

    [Theory]
    [InlineData(40, 30)]
    [InlineData(12, 40)]
    public void Ease_GivesTheSameWeights_ForTheSameDataAndAnyThreadCount(int users, int items)
    {
        // 40 users × 30 items take the direct inverse, 12 × 40 the Woodbury form.
        var data = Synthetic.Groups(users, items, groups: 3, density: 0.5, noise: 0.1, seed: 5);
        var parameters = RankingParameters.For(RankingAlgorithm.Ease) with { Regularization = 10f };

        var one = RankingTrainer.Fit(parameters with { Threads = 1 }, data).Model;
        var two = RankingTrainer.Fit(parameters with { Threads = 2 }, data).Model;

        Assert.Equal(one.Weights.ToArray(), two.Weights.ToArray());
        Assert.NotEmpty(one.Weights.ToArray());
    }

    [Fact]
    public void Fit_RefusesAnEmptyDataset()
    {
        var empty = new RatingDatasetBuilder().Build();

        Assert.Throws<ArgumentException>(() => RankingTrainer.Fit(RankingParameters.For(RankingAlgorithm.Ease), empty));
    }

    [Fact]
    public void Ease_IsRefusedWithTheLimitTheSettingAndTheAlternative_WhenItemsExceedMaxItems()
    {
        var data = Synthetic.Groups(users: 10, items: 30, groups: 2, density: 0.6, noise: 0.1, seed: 6);

        var error = Assert.Throws<InvalidOperationException>(() =>
            RankingTrainer.Fit(RankingParameters.For(RankingAlgorithm.Ease) with { MaxItems = 20 }, data));

        Assert.Contains("20", error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(RankingParameters.MaxItems), error.Message, StringComparison.Ordinal);
        Assert.Contains("implicit ALS", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ease_NeverRecommendsAnItemWithoutInteractions_WhenOnlyHighRatingsCount()
    {
        // With X = ratings ≥ 4, i0 (rated 1 and 5) keeps one interaction, i2 (rated 2 and 4) one, i1 three.
        var data = RatingDataset.FromTriples([("u0", "i0", 5f), ("u1", "i1", 4f), ("u1", "i2", 2f), ("u2", "i1", 5f), ("u2", "i2", 4f), ("u3", "i3", 1f), ("u0", "i1", 4f)]);
        var model = RankingTrainer.Fit(RankingParameters.For(RankingAlgorithm.Ease) with { PositiveThreshold = 4f }, data).Model;

        Assert.False(model.IsItemTrained(model.Items.IndexOf("i3")));
        for (var u = 0; u < model.Users.Count; u++)
        {
            Assert.DoesNotContain(model.Recommend(u, 10), r => r.ItemIndex == model.Items.IndexOf("i3"));
        }
    }
}
