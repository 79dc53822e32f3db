using Recommender.Api.Telemetry;
using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Recommender.Core.Data;
using Recommender.Core.Model;
using Recommender.Core.Ranking;
using Recommender.Data;

namespace Recommender.Api.Training;

/// <summary>
/// Serves users whose ratings changed since the serving model was trained by folding them in against its item
/// factors (<see cref="FactorModel.FoldIn"/>), so a new rating moves predictions at once, without a retrain.
/// </summary>
/// <remarks>
/// Every write marks its users with a rising sequence number. A training run notes the sequence before it loads the
/// ratings; when its model is published, marks at or below that number are covered by the model and dropped. A
/// marked user is folded in on their next query (from their ratings in the store) and cached for that model version.
/// A model that was trained earlier — a snapshot served after a restart, an older version activated — is published
/// through <see cref="RebaseAsync"/>, which marks afresh every user whose ratings changed since that model's data
/// version (<see cref="Data.Entities.User.RatingsVersion"/>) and, when users were deleted since then, every user of the
/// model the store no longer has.
/// </remarks>
public sealed class FreshUsers(IDbContextFactory<RecommenderDbContext> dbFactory)
{
    private readonly ConcurrentDictionary<string, long> _changed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Folded<UserVector>> _folded = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _deleted = new(StringComparer.Ordinal);
    private long _sequence;

    private sealed record Folded<T>(long ModelVersion, long Sequence, T Value);

    private readonly ConcurrentDictionary<string, Folded<RankingUser>> _rankingFolded = new(StringComparer.Ordinal);

    /// <summary>The latest change sequence number; a training run reads it before loading ratings.</summary>
    public long Sequence => Interlocked.Read(ref _sequence);

    /// <summary>Number of users marked as changed since the serving model's data (deleted users among them).</summary>
    public int Count => _changed.Count;

    /// <summary>Records that these users' ratings changed (call after the change is committed).</summary>
    public void MarkChanged(IEnumerable<string> userIds)
    {
        foreach (var userId in userIds)
        {
            _changed[userId] = Interlocked.Increment(ref _sequence);
            _deleted.TryRemove(userId, out _);
        }
    }

    /// <summary>
    /// Records that these users were deleted (call after the deletion is committed): they are answered 404 and are
    /// nobody's neighbour or similar user from now on, whatever model serves.
    /// </summary>
    public void MarkDeleted(IEnumerable<string> userIds)
    {
        foreach (var userId in userIds)
        {
            var sequence = Interlocked.Increment(ref _sequence);
            _changed[userId] = sequence;
            _deleted[userId] = sequence;
        }
    }

    /// <summary>The indices in <paramref name="model"/> of users deleted since its data: excluded from every user list.</summary>
    public IReadOnlySet<int> DeletedIndices(FactorModel model)
    {
        if (_deleted.IsEmpty)
        {
            return EmptySet;
        }

        var indices = new HashSet<int>();
        foreach (var userId in _deleted.Keys)
        {
            if (model.Users.IndexOf(userId) is var index and >= 0)
            {
                indices.Add(index);
            }
        }

        return indices;
    }

    private static readonly IReadOnlySet<int> EmptySet = new HashSet<int>();

    /// <summary>A model trained on data up to <paramref name="loadedSequence"/> was published.</summary>
    public void Published(long loadedSequence)
    {
        Forget(loadedSequence);
        _folded.Clear();
        _rankingFolded.Clear();
    }

    /// <summary>Drops the marks at or below <paramref name="sequence"/>: a model that covers them serves now.</summary>
    private void Forget(long sequence)
    {
        foreach (var (userId, marked) in _changed)
        {
            if (marked <= sequence)
            {
                _changed.TryRemove(new KeyValuePair<string, long>(userId, marked));
            }
        }

        foreach (var (userId, marked) in _deleted)
        {
            if (marked <= sequence)
            {
                _deleted.TryRemove(new KeyValuePair<string, long>(userId, marked));
            }
        }
    }

    /// <summary>What the store changed since a data version: read by <see cref="ReadChangesSinceAsync"/>, applied by <see cref="Rebase"/>.</summary>
    public sealed record StoreChanges(long Sequence, IReadOnlyList<string> Changed, IReadOnlySet<string>? PresentUsers);

    /// <summary>
    /// Marks for <paramref name="serving"/>, a model trained on data version <see cref="ServingModel.DataVersion"/>:
    /// the users whose ratings changed since then and the model's users the store has deleted. Call it before
    /// publishing that model, with publications held off (<see cref="ModelStore.PublishGate"/>).
    /// </summary>
    public async Task RebaseAsync(ServingModel serving, CancellationToken cancellationToken) =>
        Rebase(serving.Model, await ReadChangesSinceAsync(serving.DataVersion, cancellationToken));

    /// <summary>
    /// Reads the users whose ratings changed since <paramref name="dataVersion"/>, and every user id when users were
    /// deleted since then — the first half of <see cref="RebaseAsync"/>, which a restart runs while the snapshot loads.
    /// </summary>
    public async Task<StoreChanges> ReadChangesSinceAsync(long dataVersion, CancellationToken cancellationToken)
    {
        // A write that committed before this point has marked its users already, at or below this number, and the
        // queries below see it; a later one marks them again with a higher number, which Rebase keeps.
        var before = Sequence;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var (changed, userDeletedVersion) = await db.ChangesSinceAsync(dataVersion, cancellationToken);
        var present = userDeletedVersion > dataVersion
            ? new HashSet<string>(await db.Users.AsNoTracking().Select(u => u.Id).ToListAsync(cancellationToken), StringComparer.Ordinal)
            : null;
        return new StoreChanges(before, changed, present);
    }

    /// <summary>The second half of <see cref="RebaseAsync"/>: marks what <paramref name="changes"/> found for <paramref name="model"/>.</summary>
    public void Rebase(FactorModel model, StoreChanges changes)
    {
        Forget(changes.Sequence);
        MarkChanged(changes.Changed);
        if (changes.PresentUsers is { } present)
        {
            MarkDeleted(model.Users.Ids.Where(id => !present.Contains(id)));
        }

        _folded.Clear();
        _rankingFolded.Clear();
    }

    /// <summary>
    /// Marks what other nodes changed (<paramref name="changes"/>, read since the last data version this node saw) without
    /// forgetting anything: their users are folded in on their next query here too.
    /// </summary>
    public void Merge(FactorModel? model, StoreChanges changes)
    {
        MarkChanged(changes.Changed);
        if (changes.PresentUsers is { } present && model is not null)
        {
            MarkDeleted(model.Users.Ids.Where(id => !present.Contains(id) && !_deleted.ContainsKey(id)));
        }
    }

    /// <summary>
    /// The vector that serves <paramref name="userId"/> under <paramref name="serving"/>, or null when the store has
    /// no such user.
    /// </summary>
    public ValueTask<UserVector?> ResolveAsync(ServingModel serving, string userId, CancellationToken cancellationToken)
    {
        var model = serving.Model;
        return TrainedIndex(model.Users, userId) is var trained and >= 0
            ? new(model.User(trained))
            : ResolveAsync(userId, model.Version, model.Users, model.Items, _folded, model.User, (ratings, index) => model.FoldIn(ratings, index), cancellationToken);
    }

    /// <summary>
    /// The ranking model's view of <paramref name="userId"/> under <paramref name="serving"/> (which must have a ranking
    /// model): a trained user's row, or their current ratings folded in when they changed since; null when the store
    /// has no such user.
    /// </summary>
    public ValueTask<RankingUser?> ResolveRankingAsync(ServingModel serving, string userId, CancellationToken cancellationToken)
    {
        var model = serving.Ranking ?? throw new InvalidOperationException("The serving version has no ranking model.");
        return TrainedIndex(model.Users, userId) is var trained and >= 0
            ? new(model.User(trained))
            : ResolveAsync(userId, model.Version, model.Users, model.Items, _rankingFolded, model.User, (ratings, index) => model.FoldIn(ratings, index), cancellationToken);
    }

    /// <summary>The row of a user the model trained on and whose ratings have not changed since (the common case, answered without allocating), else -1.</summary>
    private int TrainedIndex(IdMap users, string userId) => _changed.ContainsKey(userId) ? -1 : users.IndexOf(userId);

    /// <summary>
    /// How one model sees a user: folded in from the store (and cached for this model version) when their ratings
    /// changed since its data, else their trained row; null when the store has no such user.
    /// </summary>
    private async ValueTask<T?> ResolveAsync<T>(
        string userId,
        long modelVersion,
        IdMap users,
        IdMap items,
        ConcurrentDictionary<string, Folded<T>> cache,
        Func<int, T> trained,
        Func<List<(int ItemIndex, float Rating)>, int, T> foldIn,
        CancellationToken cancellationToken)
        where T : struct
    {
        while (true)
        {
            if (_changed.TryGetValue(userId, out var sequence))
            {
                if (cache.TryGetValue(userId, out var cached) && cached.ModelVersion == modelVersion && cached.Sequence == sequence)
                {
                    return cached.Value;
                }

                if (await LoadRatingsAsync(userId, items, cancellationToken) is not { } ratings)
                {
                    return null;
                }

                var value = foldIn(ratings, users.IndexOf(userId));
                RecommenderTelemetry.FoldIns.Add(1, RecommenderTelemetry.Tag("model", typeof(T) == typeof(UserVector) ? "rating" : "ranking"));
                cache[userId] = new Folded<T>(modelVersion, sequence, value);
                return value;
            }

            var index = users.IndexOf(userId);
            if (index >= 0)
            {
                return trained(index);
            }

            // Rated after this model was trained but before the process started: fold them in from now on.
            if (!await ExistsAsync(userId, cancellationToken))
            {
                return null;
            }

            MarkChanged([userId]);
        }
    }

    private async Task<bool> ExistsAsync(string userId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Users.AnyAsync(u => u.Id == userId, cancellationToken);
    }

    /// <summary>The user's ratings of the items <paramref name="items"/> knows, from the store; null when the store has no such user.</summary>
    private async Task<List<(int ItemIndex, float Rating)>?> LoadRatingsAsync(string userId, IdMap items, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (!await db.Users.AnyAsync(u => u.Id == userId, cancellationToken))
        {
            return null;
        }

        var ratings = await db.Ratings.AsNoTracking().Where(r => r.UserId == userId)
            .Select(r => new { r.ItemId, r.Value }).ToListAsync(cancellationToken);
        var known = new List<(int ItemIndex, float Rating)>(ratings.Count);
        foreach (var rating in ratings)
        {
            var item = items.IndexOf(rating.ItemId);
            if (item >= 0)
            {
                known.Add((item, (float)rating.Value));
            }
        }

        return known;
    }
}
