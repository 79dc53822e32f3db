using System.Diagnostics;
using Recommender.Core.Data;

namespace Recommender.Core.Ranking;

/// <summary>The outcome of fitting a ranking model.</summary>
/// <param name="Model">The fitted model.</param>
/// <param name="Updates">Implicit ALS: interaction terms accumulated (interactions × epochs); 0 for the closed-form models.</param>
/// <param name="Elapsed">Wall time of the whole fit, the model's construction included.</param>
/// <param name="EpochTime">Implicit ALS: wall time of the alternations only.</param>
public sealed record RankingTrainingResult(RankingModel Model, long Updates, TimeSpan Elapsed, TimeSpan EpochTime)
{
    /// <summary>Updates per second of epoch time (0 for the closed-form models).</summary>
    public double UpdatesPerSecond => EpochTime.TotalSeconds > 0 ? Updates / EpochTime.TotalSeconds : 0;
}

/// <summary>Fits the ranking model of a set of <see cref="RankingParameters"/>.</summary>
public static class RankingTrainer
{
    /// <summary>
    /// Fits <paramref name="parameters"/>' model to <paramref name="train"/>. Throws <see cref="ArgumentException"/> naming an
    /// invalid parameter, and <see cref="InvalidOperationException"/> when EASE is asked for more items than
    /// <see cref="RankingParameters.MaxItems"/>. Implicit ALS observes cancellation while it runs.
    /// </summary>
    public static RankingTrainingResult Fit(RankingParameters parameters, RatingDataset train, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(train);
        parameters.Validate();
        if (train.Count == 0)
        {
            throw new ArgumentException("Cannot fit a ranking model to an empty dataset.", nameof(train));
        }

        var clock = Stopwatch.StartNew();
        var x = Interactions.Build(train, parameters.IsPositive);
        var activeItems = Enumerable.Range(0, x.Items).Where(i => x.ByItem.Offsets[i + 1] > x.ByItem.Offsets[i]).ToArray();
        float[] weights = [], userFactors = [], itemFactors = [];
        var epochTime = TimeSpan.Zero;
        long updates = 0;
        switch (parameters.Algorithm)
        {
            case RankingAlgorithm.Ease:
                weights = EaseTrainer.Fit(x, activeItems, parameters);
                break;
            case RankingAlgorithm.ImplicitAls:
                (userFactors, itemFactors, epochTime) = ImplicitAlsTrainer.Fit(x, parameters, cancellationToken);
                updates = (long)parameters.Epochs * x.ByUser.Columns.Length;
                break;
        }

        // Id maps may be shared with datasets that keep growing; the model keeps its own frozen copies.
        var model = new RankingModel(
            parameters, new IdMap(train.Users.Ids.Take(x.Users)), new IdMap(train.Items.Ids.Take(x.Items)), x.Rated, weights, userFactors, itemFactors);
        return new RankingTrainingResult(model, updates, clock.Elapsed, epochTime);
    }
}
