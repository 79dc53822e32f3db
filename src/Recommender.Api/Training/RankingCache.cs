using Recommender.Api.Telemetry;
using System.Collections.Concurrent;
using Recommender.Core.Ranking;

namespace Recommender.Api.Training;

/// <summary>
/// Memoised top lists of the ranking model's trained users, as <see cref="RecommendationCache"/> is for the rating
/// model: computed once per published model (up to <see cref="RecommendationCache.Depth"/> items), and every request for
/// at most that many items without exclusions is a prefix. Folded-in users are ranked on the spot.
/// </summary>
public sealed class RankingCache
{
    /// <summary>Warm-up is done only while its scoring work (multiply-adds) is at most this: about a second on one core.</summary>
    public const long WarmBudget = 2_000_000_000;

    private readonly ConcurrentDictionary<int, IReadOnlyList<RankedItem>> _byUser = new();

    /// <summary>Number of users cached.</summary>
    public int Count => _byUser.Count;

    /// <summary>Ranks every trained user ahead of time when that is cheap enough (<see cref="WarmBudget"/>).</summary>
    public void Warm(RankingModel model, int threads, CancellationToken cancellationToken)
    {
        if (Cost(model) > WarmBudget)
        {
            return;
        }

        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads), CancellationToken = cancellationToken };
        Parallel.For(0, Math.Min(model.Users.Count, RecommendationCache.MaxUsers), options, u => Top(model, model.User(u), RecommendationCache.Depth));
    }

    /// <summary>The best <paramref name="count"/> items for <paramref name="user"/>, best first.</summary>
    public IReadOnlyList<RankedItem> Top(RankingModel model, in RankingUser user, int count)
    {
        if (user.IsFoldedIn || user.Index < 0 || count > RecommendationCache.Depth)
        {
            return model.Recommend(user, count);
        }

        if (_byUser.TryGetValue(user.Index, out var ranked))
        {
            RecommenderTelemetry.CountCacheLookup("ranking", hit: true);
        }
        else
        {
            RecommenderTelemetry.CountCacheLookup("ranking", hit: false);
            ranked = model.Recommend(user, RecommendationCache.Depth);
            if (_byUser.Count < RecommendationCache.MaxUsers)
            {
                _byUser.TryAdd(user.Index, ranked);
            }
        }

        return ranked.Count <= count ? ranked : ranked.Take(count).ToArray();
    }

    /// <summary>Multiply-adds to rank every user: EASE sums a row of B per interaction, implicit ALS a dot product per item.</summary>
    private static long Cost(RankingModel model)
    {
        switch (model.Algorithm)
        {
            case RankingAlgorithm.Ease:
                long interactions = 0;
                for (var u = 0; u < model.Users.Count; u++)
                {
                    interactions += model.User(u).PositiveItems.Length;
                }

                return interactions * model.Items.Count;
            case RankingAlgorithm.ImplicitAls:
                return (long)model.Users.Count * model.Items.Count * model.Parameters.Factors;
            default:
                return model.Users.Count;
        }
    }
}
