using Recommender.Core.Numerics;

namespace Recommender.Core.Model;

public sealed partial class FactorModel
{
    /// <summary>The predicted rating of <paramref name="userId"/> for <paramref name="itemId"/>, with the documented fallback.</summary>
    public Prediction Predict(string userId, string itemId)
    {
        var user = Users.IndexOf(userId);
        return user < 0 ? PredictForUnknownUser(Items.IndexOf(itemId)) : Predict(User(user), Items.IndexOf(itemId));
    }

    /// <summary>The predicted rating of <paramref name="user"/> for item index <paramref name="itemIndex"/> (-1 for an unknown item).</summary>
    public Prediction Predict(in UserVector user, int itemIndex)
    {
        if (user.IsFallback)
        {
            return PredictForUnknownUser(itemIndex);
        }

        if (itemIndex < 0 || _itemCounts[itemIndex] == 0)
        {
            var value = HasBiases ? GlobalMean + user.Bias : GlobalMean;
            return new Prediction(Clip(value), PredictionFallback.UnknownItem);
        }

        return new Prediction(Clip(Score(user, itemIndex)), PredictionFallback.None);
    }

    /// <summary>The unclipped score of <paramref name="user"/> for a known item.</summary>
    public float Score(in UserVector user, int itemIndex)
    {
        var dot = VectorMath.Dot(user.Factors.Span, _weights.ItemRow(itemIndex));
        return HasBiases ? GlobalMean + user.Bias + _weights.ItemBias[itemIndex] + dot : dot;
    }

    /// <summary>Writes the unclipped scores of <paramref name="user"/> for every item into <paramref name="destination"/>.</summary>
    public void Scores(in UserVector user, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, Items.Count, nameof(destination));
        var factors = user.Factors.Span;
        var stride = _weights.Stride;
        var itemFactors = _weights.ItemFactors.AsSpan();
        var baseScore = HasBiases ? GlobalMean + user.Bias : 0f;
        var itemBias = _weights.ItemBias;
        for (var i = 0; i < Items.Count; i++)
        {
            var dot = VectorMath.Dot(factors, itemFactors.Slice(i * stride, stride));
            destination[i] = HasBiases ? baseScore + itemBias[i] + dot : dot;
        }
    }

    /// <summary>
    /// Writes the predicted ratings of <paramref name="user"/> for every item into <paramref name="destination"/>: the
    /// clipped scores, with the documented fallback for a fallback user or an untrained item.
    /// </summary>
    public void PredictRow(in UserVector user, Span<float> destination)
    {
        Scores(user, destination);
        PredictRowFromScores(user, destination, destination);
    }

    /// <summary>
    /// As <see cref="PredictRow"/>, from the row <paramref name="scores"/> that <see cref="Scores"/> already wrote for
    /// <paramref name="user"/> (<paramref name="destination"/> may be the same span), so a caller that needs both rows
    /// scores once.
    /// </summary>
    public void PredictRowFromScores(in UserVector user, ReadOnlySpan<float> scores, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(scores.Length, Items.Count, nameof(scores));
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, Items.Count, nameof(destination));
        for (var i = 0; i < Items.Count; i++)
        {
            destination[i] = user.IsFallback || _itemCounts[i] == 0 ? Predict(user, i).Value : Clip(scores[i]);
        }
    }

    /// <summary>Clips a score to the rating scale.</summary>
    public float Clip(float score) => Math.Clamp(score, MinRating, MaxRating);

    /// <summary>The prediction for a user the model knows nothing of: μ + b_i (μ for an unknown item, -1).</summary>
    public Prediction PredictForUnknownUser(int itemIndex)
    {
        if (itemIndex < 0 || _itemCounts[itemIndex] == 0)
        {
            return new Prediction(Clip(GlobalMean), PredictionFallback.UnknownUser | PredictionFallback.UnknownItem);
        }

        var value = HasBiases ? GlobalMean + _weights.ItemBias[itemIndex] : GlobalMean;
        return new Prediction(Clip(value), PredictionFallback.UnknownUser);
    }
}
