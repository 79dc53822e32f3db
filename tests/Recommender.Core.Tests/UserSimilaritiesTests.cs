using Recommender.Core.Model;
using Recommender.Core.Training;

namespace Recommender.Core.Tests;

public class UserSimilaritiesTests
{
    private static FactorModel Train() =>
        Trainers.Create(TrainingParameters.For(Algorithm.BiasedSgd) with { Factors = 5, Epochs = 30, EarlyStoppingPatience = 0 })
            .Fit(Synthetic.LowRank(users: 30, items: 25, rank: 3, noise: 0.3, density: 0.5, seed: 3)).Model;

    private static float[] ScoreRow(FactorModel model, UserVector user)
    {
        var row = new float[model.Items.Count];
        model.Scores(user, row);
        return row;
    }

    [Fact]
    public void UserSimilarities_EqualTheCosineOfTheScoreRows_ForTrainedAndFoldedInUsers()
    {
        var model = Train();
        var folded = model.FoldIn([(0, 5f), (3, 1f), (7, 4f)], userIndex: 2);
        var users = Enumerable.Range(0, model.Users.Count).Select(model.User).Append(folded).ToList();
        var rows = users.Select(u => ScoreRow(model, u)).ToArray();
        var expected = NeighborRecommender.CosineSimilarity(rows);

        var page = users.GetRange(25, 6);
        var actual = model.UserSimilarities(page, users);

        Assert.Equal(page.Count, actual.Length);
        for (var r = 0; r < page.Count; r++)
        {
            Assert.Equal(users.Count, actual[r].Length);
            for (var c = 0; c < users.Count; c++)
            {
                Assert.Equal(expected[25 + r, c], actual[r][c], 1e-4f);
            }
        }

        // The folded-in vector is not the trained row of user 2: its own norm is used, not the trained one.
        Assert.Equal(1f, actual[5][^1], 1e-4f);
        Assert.True(Math.Abs(actual[5][2] - 1f) > 1e-3f);
    }

    [Fact]
    public void UserSimilarities_Throws_WhenCancelled()
    {
        var model = Train();
        var users = Enumerable.Range(0, model.Users.Count).Select(model.User).ToList();
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Throws<OperationCanceledException>(() => model.UserSimilarities(users, users, cancelled.Token));
    }
}
