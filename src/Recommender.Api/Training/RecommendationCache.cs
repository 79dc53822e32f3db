using System.Collections.Concurrent;
using Recommender.Api.Telemetry;
using Recommender.Core.Model;

namespace Recommender.Api.Training;

/// <summary>
/// Memoised top lists of trained users under one model version. A published model never changes, so a trained
/// user's ranking is computed once (up to <see cref="Depth"/> items) and every later request for at most that many
/// items, without exclusions, is a prefix of it. Folded-in users are not cached: their vectors change with each write.
/// </summary>
public sealed class RecommendationCache
{
    /// <summary>How many items are ranked and kept per user.</summary>
    public const int Depth = 100;

    /// <summary>Entries kept at most (about 1.2 KB each); past it, rankings are computed without being kept.</summary>
    public const int MaxUsers = 200_000;

    private readonly ConcurrentDictionary<int, IReadOnlyList<ScoredItem>> _byUser = new();

    /// <summary>Warm-up is done only while users × items is at most this (about a second of scoring on one core).</summary>
    public const long WarmBudget = 50_000_000;

    /// <summary>Number of users cached.</summary>
    public int Count => _byUser.Count;

    /// <summary>
    /// Ranks every trained user ahead of time when the model is small enough (<see cref="WarmBudget"/>), so the first
    /// requests after a publication do not queue behind cold rankings.
    /// </summary>
    public void Warm(FactorModel model, int threads, CancellationToken cancellationToken)
    {
        if ((long)model.Users.Count * model.Items.Count > WarmBudget)
        {
            return;
        }

        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads), CancellationToken = cancellationToken };
        Parallel.For(0, Math.Min(model.Users.Count, MaxUsers), options, u =>
        {
            var user = model.User(u);
            if (!user.IsFallback)
            {
                Top(model, user, Depth);
            }
        });
    }

    /// <summary>The best <paramref name="count"/> items for a trained user, best first.</summary>
    public IReadOnlyList<ScoredItem> Top(FactorModel model, in UserVector user, int count)
    {
        if (user.IsFoldedIn || user.Index < 0 || count > Depth)
        {
            return model.Recommend(user, count);
        }

        if (_byUser.TryGetValue(user.Index, out var ranked))
        {
            RecommenderTelemetry.CountCacheLookup("rating", hit: true);
        }
        else
        {
            RecommenderTelemetry.CountCacheLookup("rating", hit: false);
            ranked = model.Recommend(user, Depth);
            if (_byUser.Count < MaxUsers)
            {
                _byUser.TryAdd(user.Index, ranked);
            }
        }

        return ranked.Count <= count ? ranked : ranked.Take(count).ToArray();
    }
}
