using Recommender.Core.Data;
using Recommender.Core.Evaluation;
using Recommender.Core.Ranking;
using Recommender.Core.Training;

namespace Recommender.Api.Training;

public sealed partial class TrainingPipeline
{
    /// <summary>Ranking users scored for the gate at most: each costs a top-10 list from each model.</summary>
    private const int MaxComparedUsers = 1000;

    private sealed record RankingRun(RankingModel Model, RankingEvidence Evidence, RankingMetrics? Popularity);

    /// <summary>
    /// The ranking model of this run: fitted on the holdout split for its metrics (and popularity's, for reference)
    /// and for the gate's comparison with the serving ranking model, then on every rating — the model published.
    /// </summary>
    private RankingRun TrainRanking(
        RatingDataset data, RatingDataset? train, RatingDataset? holdout, RankingModel? serving, TrainingParameters rating, CancellationToken cancellationToken)
    {
        var parameters = rankingOptions.Value.ToParameters(data, rating.Seed, rating.EffectiveThreads);
        var evidence = RankingEvidence.None;
        RankingMetrics? popularity = null;
        if (train is { Count: > 0 } && holdout is not null)
        {
            var evaluation = rankingTrainerFactory(parameters, train, cancellationToken).Model;
            var metrics = Evaluator.Evaluate(evaluation, holdout, maxRankingUsers: MaxRankingUsers);
            var popular = RankingTrainer.Fit(RankingParameters.For(RankingAlgorithm.Popularity) with { Seed = rating.Seed }, train, cancellationToken).Model;
            popularity = Evaluator.Evaluate(popular, holdout, maxRankingUsers: MaxRankingUsers);
            evidence = CompareRanking(evaluation, serving, train, holdout, metrics);
        }

        var model = rankingTrainerFactory(parameters, data, cancellationToken).Model;
        logger.LogInformation(
            "Ranking model {Algorithm}: holdout NDCG@10 {Ndcg:F4}, P@10 {Precision:F4} (popularity: {PopularNdcg:F4}, {PopularPrecision:F4})",
            parameters.Algorithm, evidence.Holdout?.NdcgAt10, evidence.Holdout?.PrecisionAt10, popularity?.NdcgAt10, popularity?.PrecisionAt10);
        return new RankingRun(model, evidence, popularity);
    }

    /// <summary>
    /// NDCG@10 of the candidate and of the serving ranking model for the holdout users with relevant ratings (≥ 4) that
    /// the serving model did not train on. Both rank from the same ratings — the user's training-split ratings, folded
    /// into the serving model — and neither sees what it is scored on.
    /// </summary>
    private static RankingEvidence CompareRanking(RankingModel candidate, RankingModel? serving, RatingDataset train, RatingDataset holdout, RankingMetrics metrics)
    {
        if (serving is null)
        {
            return new RankingEvidence(metrics, 0, double.NaN, double.NaN);
        }

        var relevant = new SortedDictionary<int, HashSet<string>>();
        for (var n = 0; n < holdout.Count; n++)
        {
            if (holdout.Values[n] < 4f)
            {
                continue;
            }

            var userId = holdout.Users.GetId(holdout.UserIndices[n]);
            var itemId = holdout.Items.GetId(holdout.ItemIndices[n]);
            var user = serving.Users.IndexOf(userId);
            var item = serving.Items.IndexOf(itemId);
            if (user < 0 || item < 0 || !serving.User(user).HasRated(item))
            {
                if (!relevant.TryGetValue(holdout.UserIndices[n], out var items))
                {
                    relevant[holdout.UserIndices[n]] = items = new HashSet<string>(StringComparer.Ordinal);
                }

                items.Add(itemId);
            }
        }

        if (relevant.Count < RankingEvidence.MinComparableUsers)
        {
            return new RankingEvidence(metrics, relevant.Count, double.NaN, double.NaN);
        }

        var byUser = RatingsByUser(train);
        double candidateNdcg = 0, servingNdcg = 0;
        var compared = relevant.Take(MaxComparedUsers).ToList();
        foreach (var (user, items) in compared)
        {
            var userId = holdout.Users.GetId(user);
            var ratings = byUser.TryGetValue(user, out var list) ? list : [];
            var own = candidate.Users.IndexOf(userId);
            var candidateTop = own >= 0 ? candidate.Recommend(own, 10) : candidate.Popular(10);
            var folded = ratings.Select(r => (ItemIndex: serving.Items.IndexOf(train.Items.GetId(r.Item)), r.Rating)).Where(r => r.ItemIndex >= 0).ToList();
            var servingTop = serving.Recommend(folded, 10);
            candidateNdcg += Ndcg(candidateTop.Select(r => candidate.Items.GetId(r.ItemIndex)), items);
            servingNdcg += Ndcg(servingTop.Select(r => serving.Items.GetId(r.ItemIndex)), items);
        }

        return new RankingEvidence(metrics, compared.Count, candidateNdcg / compared.Count, servingNdcg / compared.Count);
    }

    private static Dictionary<int, List<(int Item, float Rating)>> RatingsByUser(RatingDataset data)
    {
        var byUser = new Dictionary<int, List<(int, float)>>();
        for (var n = 0; n < data.Count; n++)
        {
            if (!byUser.TryGetValue(data.UserIndices[n], out var list))
            {
                byUser[data.UserIndices[n]] = list = [];
            }

            list.Add((data.ItemIndices[n], data.Values[n]));
        }

        return byUser;
    }

    /// <summary>Binary NDCG@10 of a top list against the relevant items.</summary>
    private static double Ndcg(IEnumerable<string> top, HashSet<string> relevant)
    {
        double dcg = 0, ideal = 0;
        var rank = 0;
        foreach (var id in top)
        {
            if (relevant.Contains(id))
            {
                dcg += 1 / Math.Log2(rank + 2);
            }

            rank++;
        }

        for (var n = 0; n < Math.Min(10, relevant.Count); n++)
        {
            ideal += 1 / Math.Log2(n + 2);
        }

        return dcg / ideal;
    }
}
