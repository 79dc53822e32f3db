using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Recommender.Api.Options;
using Recommender.Api.Telemetry;
using Recommender.Core.Data;
using Recommender.Core.Training;

namespace Recommender.Api.Training;

/// <summary>
/// A hyperparameter search as the store keeps it: when it ran, in which version's run, and what it found. A version
/// that reuses a search (Training:Tune = Daily) carries the same record.
/// </summary>
public sealed record TuningRecord(DateTimeOffset RanAt, long RanInVersion, TuningResult Result)
{
    /// <summary>The winner's hyperparameters with the run's own thread count (the search fits on one thread).</summary>
    public TrainingParameters Winner(TrainingParameters configured) => Result.Winner with { Threads = configured.Threads };
}

public sealed partial class TrainingPipeline
{
    /// <summary>
    /// Runs the search Training:Tune asks for on <paramref name="data"/> (the run's training part, never its holdout),
    /// or finds the stored search a Daily schedule reuses; null when the run trains with the configured parameters.
    /// The search fits on one thread, so the other cores keep serving, and observes the run's cancellation and
    /// timeout: a cancelled search publishes nothing.
    /// </summary>
    private async Task<TuningRecord?> TuneAsync(RatingDataset data, TrainingParameters configured, long version, CancellationToken cancellationToken)
    {
        var options = trainingOptions.Value;
        if (options.Tune == TuneSchedule.Off)
        {
            return null;
        }

        var baseline = configured with { Threads = 1 };
        if (options.Tune == TuneSchedule.Daily
            && await LastTuningAsync(cancellationToken) is { } last
            && last.Result.Candidates[0].Parameters == baseline
            && time.GetUtcNow() - last.RanAt < TimeSpan.FromDays(1))
        {
            logger.LogInformation(
                "Training version {Version}: reusing the hyperparameter search of version {SearchVersion} ({RanAt:u})",
                version, last.RanInVersion, last.RanAt);
            return last;
        }

        if (data.Count < options.TuneFolds * 2)
        {
            logger.LogInformation(
                "Training version {Version}: no hyperparameter search, {Ratings} ratings are too few for {Folds} folds",
                version, data.Count, options.TuneFolds);
            return null;
        }

        using var search = RecommenderTelemetry.Source.StartActivity("training.tune");
        var candidates = HyperparameterSearch.Grid(baseline);
        logger.LogInformation(
            "Training version {Version}: searching {Candidates} settings by {Folds}-fold cross-validation on {Ratings} training ratings (time box {Budget})",
            version, candidates.Count, options.TuneFolds, data.Count, options.TuneBudget);
        var result = await Task.Factory.StartNew(
            () => HyperparameterSearch.Run(
                data,
                candidates,
                p => trainerFactory(p),
                options.TuneFolds,
                options.TuneBudget,
                c => logger.LogInformation(
                    "Training version {Version}: setting factors {Factors}, regularization {Regularization}, samples {Samples}: cross-validated RMSE {Rmse}",
                    version, c.Parameters.Factors, c.Parameters.Regularization, c.Parameters.Samples, c.Rmse),
                cancellationToken),
            cancellationToken,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        logger.LogInformation(
            "Training version {Version}: the search chose factors {Factors}, regularization {Regularization} in {Seconds:F1} s{TimedOut}",
            version, result.Winner.Factors, result.Winner.Regularization, result.Seconds, result.TimedOut ? " (time box reached)" : "");
        return new TuningRecord(time.GetUtcNow(), version, result);
    }

    private async Task<TuningRecord?> LastTuningAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var json = await db.ModelVersions.AsNoTracking()
            .Where(v => v.Tuning != null)
            .OrderByDescending(v => v.Version)
            .Select(v => v.Tuning)
            .FirstOrDefaultAsync(cancellationToken);
        return json is null ? null : JsonSerializer.Deserialize<TuningRecord>(json, StoreJson.Options);
    }
}
