using Recommender.Core.Data;
using Recommender.Core.Model;
using Recommender.Core.Ranking;

namespace Recommender.Core.Evaluation;

/// <summary>Accuracy and ranking metrics of a model on held-out ratings.</summary>
/// <remarks>
/// <para><b>Rating accuracy</b>: RMSE = √(mean (r − r̂)²) and MAE = mean |r − r̂| over every test rating, r̂ the
/// clipped prediction with the model's fallback for ids it does not know.</para>
/// <para><b>Ranking</b> (the "all unrated items" protocol): for each test user the model ranks every trained item the
/// user did not rate in training; the relevant items are the user's test items rated ≥ the relevance threshold
/// (4 by default). precision@k = hits/k, recall@k = hits/|relevant|, NDCG@k = DCG/IDCG with binary gains and
/// log₂(rank+1) discounts. Averages are over users with at least one relevant test item.</para>
/// </remarks>
public static class Evaluator
{
    /// <summary>RMSE and MAE of <paramref name="model"/> on <paramref name="test"/>.</summary>
    public static (double Rmse, double Mae) Accuracy(FactorModel model, RatingDataset test)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(test);
        if (test.Count == 0)
        {
            return (0, 0);
        }

        double sse = 0;
        double sae = 0;
        for (var n = 0; n < test.Count; n++)
        {
            var prediction = model.Predict(test.Users.GetId(test.UserIndices[n]), test.Items.GetId(test.ItemIndices[n])).Value;
            var error = test.Values[n] - prediction;
            sse += (double)error * error;
            sae += Math.Abs(error);
        }

        return (Math.Sqrt(sse / test.Count), sae / test.Count);
    }

    /// <summary>
    /// Mean precision@k, recall@k and NDCG@k over test users with a relevant item — all of them, or a seeded sample of
    /// <paramref name="maxUsers"/> (ranking every item for every user of a large model costs users × items × k). Any
    /// <see cref="ITopNRecommender"/> is measured the same way: a rating model and a ranking model alike.
    /// </summary>
    public static (double Precision, double Recall, double Ndcg, int Users) Ranking(
        ITopNRecommender model, RatingDataset test, int k = 10, float relevanceThreshold = 4f, int maxUsers = int.MaxValue, int seed = 42)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        var relevantByUser = new Dictionary<int, HashSet<int>>();
        for (var n = 0; n < test.Count; n++)
        {
            if (test.Values[n] < relevanceThreshold)
            {
                continue;
            }

            var user = model.Users.IndexOf(test.Users.GetId(test.UserIndices[n]));
            var item = model.Items.IndexOf(test.Items.GetId(test.ItemIndices[n]));
            if (user < 0 || item < 0)
            {
                continue; // An id the model never saw cannot be ranked; it counts as a miss below via |relevant|.
            }

            if (!relevantByUser.TryGetValue(user, out var set))
            {
                relevantByUser[user] = set = [];
            }

            set.Add(item);
        }

        var evaluated = relevantByUser.Keys.Order().ToArray();
        if (evaluated.Length > maxUsers)
        {
            new Random(seed).Shuffle(evaluated);
            evaluated = evaluated[..maxUsers];
        }

        double precision = 0, recall = 0, ndcg = 0;
        foreach (var user in evaluated)
        {
            var relevant = relevantByUser[user];
            var top = model.TopItems(user, k);
            double dcg = 0;
            var hits = 0;
            for (var rank = 0; rank < top.Count; rank++)
            {
                if (relevant.Contains(top[rank]))
                {
                    hits++;
                    dcg += 1 / Math.Log2(rank + 2);
                }
            }

            double idcg = 0;
            for (var rank = 0; rank < Math.Min(k, relevant.Count); rank++)
            {
                idcg += 1 / Math.Log2(rank + 2);
            }

            precision += (double)hits / k;
            recall += (double)hits / relevant.Count;
            ndcg += dcg / idcg;
        }

        var users = evaluated.Length;
        return users == 0 ? (0, 0, 0, 0) : (precision / users, recall / users, ndcg / users, users);
    }

    /// <summary>All metrics at k = 10, as recorded with a published model (ranking over at most <paramref name="maxRankingUsers"/> users).</summary>
    public static ModelMetrics Evaluate(FactorModel model, RatingDataset test, float relevanceThreshold = 4f, int maxRankingUsers = int.MaxValue)
    {
        var (rmse, mae) = Accuracy(model, test);
        var (precision, recall, ndcg, _) = Ranking(model, test, 10, relevanceThreshold, maxRankingUsers);
        return new ModelMetrics(rmse, mae, precision, recall, ndcg, test.Count);
    }

    /// <summary>Ranking metrics at k = 10 of a ranking model (which predicts no rating, so has no RMSE or MAE).</summary>
    public static RankingMetrics Evaluate(RankingModel model, RatingDataset test, float relevanceThreshold = 4f, int maxRankingUsers = int.MaxValue)
    {
        var (precision, recall, ndcg, users) = Ranking(model, test, 10, relevanceThreshold, maxRankingUsers);
        return new RankingMetrics(precision, recall, ndcg, users, test.Count);
    }
}
