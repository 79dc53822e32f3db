using Recommender.Core.Data;
using Recommender.Core.Training;

namespace Recommender.Core.Model;

public sealed partial class FactorModel
{
    /// <summary>
    /// A model of factors trained elsewhere (Spark MLlib's ALS, for one) that predicts by the dot product alone:
    /// r̂(u, i) = p_u·q_i, no biases, with μ — the mean of <paramref name="data"/>'s ratings — as the fallback.
    /// </summary>
    /// <remarks>
    /// The model's users and items are <paramref name="data"/>'s, and each user's rated items there are excluded from
    /// their recommendations, as for a model trained here. An item without factors is untrained: it predicts the
    /// fallback until a model has factors for it. A user of <paramref name="data"/> without factors (one who first
    /// rated after the factors were computed) is folded in against the item factors — the ALS user step with
    /// <see cref="TrainingParameters.Regularization"/> as λ, which is what Spark's explicit ALS solves per user — and is
    /// untrained only when none of their rated items has factors.
    /// </remarks>
    /// <param name="data">The ratings the model serves.</param>
    /// <param name="parameters">Recorded with the model; <see cref="TrainingParameters.Factors"/> is the rank of every vector.</param>
    /// <param name="userFactors">Each user's vector by id; every id must be a user of <paramref name="data"/>.</param>
    /// <param name="itemFactors">Each item's vector by id; every id must be an item of <paramref name="data"/>.</param>
    /// <returns>The model, and how many users it had no factors for were folded in.</returns>
    /// <exception cref="ArgumentException">An id is not in <paramref name="data"/>, or a vector's length is not the rank.</exception>
    public static (FactorModel Model, int FoldedIn) FromDotProductFactors(
        RatingDataset data,
        TrainingParameters parameters,
        IReadOnlyDictionary<string, float[]> userFactors,
        IReadOnlyDictionary<string, float[]> itemFactors)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(userFactors);
        ArgumentNullException.ThrowIfNull(itemFactors);
        var k = parameters.Factors;
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1, nameof(parameters));
        var weights = new FactorWeights(data.Users.Count, data.Items.Count, k, hasBiases: false)
        {
            GlobalMean = data.Count == 0 ? 0f : (float)data.Mean(),
        };
        var hasUser = Copy(userFactors, data.Users, weights.UserFactors, weights.Stride, k, "user");
        var hasItem = Copy(itemFactors, data.Items, weights.ItemFactors, weights.Stride, k, "item");

        var userCounts = new int[weights.Users];
        var itemCounts = new int[weights.Items];
        var ratingsOfMissing = new Dictionary<int, List<(int ItemIndex, float Rating)>>();
        for (var n = 0; n < data.Count; n++)
        {
            var (user, item) = (data.UserIndices[n], data.ItemIndices[n]);
            if (hasItem[item])
            {
                itemCounts[item]++;
            }

            if (hasUser[user])
            {
                userCounts[user]++;
            }
            else
            {
                if (!ratingsOfMissing.TryGetValue(user, out var list))
                {
                    ratingsOfMissing[user] = list = [];
                }

                list.Add((item, data.Values[n]));
            }
        }

        if (ratingsOfMissing.Count == 0)
        {
            return (Create(weights, data.Users, data.Items, parameters, userCounts, itemCounts, data), 0);
        }

        // Fold-in reads the item side only, so solving one user after another and writing their rows is safe.
        var partial = Create(weights, data.Users, data.Items, parameters, (int[])userCounts.Clone(), itemCounts, data);
        var foldedIn = 0;
        foreach (var (user, ratings) in ratingsOfMissing)
        {
            var vector = partial.FoldIn(ratings, user);
            if (vector.IsFallback)
            {
                continue;
            }

            vector.Factors.Span[..k].CopyTo(weights.UserRow(user));
            userCounts[user] = ratings.Count;
            foldedIn++;
        }

        return (Create(weights, data.Users, data.Items, parameters, userCounts, itemCounts, data), foldedIn);
    }

    private static bool[] Copy(IReadOnlyDictionary<string, float[]> factors, IdMap ids, float[] rows, int stride, int k, string side)
    {
        var has = new bool[ids.Count];
        foreach (var (id, vector) in factors)
        {
            var index = ids.IndexOf(id);
            if (index < 0)
            {
                throw new ArgumentException($"The {side} '{id}' has no ratings.", nameof(factors));
            }

            if (vector.Length != k)
            {
                throw new ArgumentException($"The {side} '{id}' has {vector.Length} factors, not {k}.", nameof(factors));
            }

            vector.CopyTo(rows.AsSpan(index * stride, k));
            has[index] = true;
        }

        return has;
    }
}
