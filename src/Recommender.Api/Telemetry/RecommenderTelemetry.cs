using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Recommender.Api.Telemetry;

/// <summary>
/// The service's own instruments and spans, under the name <see cref="Name"/> (meter and activity source). Counters and
/// histograms live here, one set per process, as OpenTelemetry recommends; the gauges that read one host's state (the
/// serving model, the store) are registered by <see cref="ServiceGauges"/>. Every instrument has a unit and a
/// description; the README's "Operating it" table lists them.
/// </summary>
public static class RecommenderTelemetry
{
    public const string Name = "Recommender";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    /// <summary>Ratings committed, by path: single, batch or import.</summary>
    public static readonly Counter<long> RatingsWritten = Meter.CreateCounter<long>(
        "recommender.ratings.written", "{rating}", "Ratings committed to the store, by write path (single, batch, import).");

    /// <summary>Time from a write's arrival at the write path to its commit (or failure), by path.</summary>
    public static readonly Histogram<double> WriteDuration = Meter.CreateHistogram<double>(
        "recommender.write.duration", "s", "Time a write takes in the write path, commit included, by path and outcome.");

    /// <summary>Time to compute a recommendation list, by strategy.</summary>
    public static readonly Histogram<double> RecommendationDuration = Meter.CreateHistogram<double>(
        "recommender.recommendation.duration", "s", "Time to compute one recommendation list, by strategy.");

    /// <summary>Time to compute predictions for one request, by route.</summary>
    public static readonly Histogram<double> PredictionDuration = Meter.CreateHistogram<double>(
        "recommender.prediction.duration", "s", "Time to compute the predicted ratings of one request, by route (single, user, matrix).");

    /// <summary>Top-list cache lookups, by cache (ranking, rating) and result (hit, miss).</summary>
    public static readonly Counter<long> CacheLookups = Meter.CreateCounter<long>(
        "recommender.recommendation_cache.lookups", "{lookup}", "Lookups of the per-version top-list caches, by cache (ranking, rating) and result (hit, miss).");

    /// <summary>Users folded into a serving model without a retrain, by model (rating, ranking).</summary>
    public static readonly Counter<long> FoldIns = Meter.CreateCounter<long>(
        "recommender.fold_ins", "{user}", "Users folded into the serving model after a write, without a retrain, by model (rating, ranking).");

    /// <summary>Training runs, by outcome.</summary>
    public static readonly Counter<long> TrainingRuns = Meter.CreateCounter<long>(
        "recommender.training.runs", "{run}", "Training runs, by outcome (published, rejected, failed, skipped, cancelled).");

    /// <summary>Duration of training runs, by outcome.</summary>
    public static readonly Histogram<double> TrainingDuration = Meter.CreateHistogram<double>(
        "recommender.training.duration", "s", "Wall time of a training run, by outcome.");

    /// <summary>Requests refused by the rate limiter.</summary>
    public static readonly Counter<long> RateLimitRejections = Meter.CreateCounter<long>(
        "recommender.rate_limit.rejections", "{request}", "Requests refused with 429 by the rate limiter.");

    /// <summary>Records a duration since <paramref name="started"/> (a <see cref="Stopwatch.GetTimestamp"/>).</summary>
    public static void RecordSince(this Histogram<double> histogram, long started, KeyValuePair<string, object?> tag) =>
        histogram.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tag);

    /// <summary>Records a duration since <paramref name="started"/> with two tags.</summary>
    public static void RecordSince(this Histogram<double> histogram, long started, KeyValuePair<string, object?> first, KeyValuePair<string, object?> second) =>
        histogram.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, first, second);

    /// <summary>Counts one lookup of a top-list cache.</summary>
    public static void CountCacheLookup(string cache, bool hit) =>
        CacheLookups.Add(1, Tag("cache", cache), Tag("result", hit ? "hit" : "miss"));

    public static KeyValuePair<string, object?> Tag(string name, object? value) => new(name, value);
}
