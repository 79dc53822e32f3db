using Recommender.Core.Data;
using Recommender.Core.Model;

namespace Recommender.Core.Tests;

/// <summary>Checks shared by every rating model's fold-in tests.</summary>
internal static class FoldInAssert
{
    /// <summary>
    /// Folds each of the first <paramref name="users"/> training users back in from their own ratings in
    /// <paramref name="data"/> and checks that the folded user's predictions over every item stay within
    /// <paramref name="tolerance"/> RMSE of the trained user's, and that both exclude the same items.
    /// </summary>
    public static void PredictsLikeTheTrainedUsers(FactorModel model, RatingDataset data, int users = 5, double tolerance = 0.1)
    {
        for (var u = 0; u < users; u++)
        {
            var ratings = Enumerable.Range(0, data.Count).Where(n => data.UserIndices[n] == u)
                .Select(n => (data.ItemIndices[n], data.Values[n])).ToList();
            var folded = model.FoldIn(ratings, u);
            var trained = model.User(u);
            var sse = 0.0;
            for (var i = 0; i < model.Items.Count; i++)
            {
                var d = model.Predict(folded, i).Value - model.Predict(trained, i).Value;
                sse += d * d;
            }

            Assert.False(folded.IsFallback);
            var rmse = Math.Sqrt(sse / model.Items.Count);
            Assert.True(rmse < tolerance, $"user {u}: fold-in differs from training by {rmse:F4} RMSE");
            Assert.Equal(trained.RatedItems.ToArray(), folded.RatedItems.ToArray());
        }
    }
}
