using System.Diagnostics;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Recommender.Api.Options;
using Recommender.Core.Data;
using Recommender.Core.Evaluation;
using Recommender.Core.Model;
using Recommender.Core.Training;
using Recommender.Data;
using Recommender.Data.Entities;

namespace Recommender.Api.Training;

/// <summary>Creates the trainer for a set of parameters (replaceable, so tests can inject a faulty trainer).</summary>
public delegate IFactorTrainer TrainerFactory(TrainingParameters parameters);

/// <summary>
/// Exactly one training run: load → split → train → evaluate → gate → publish. It never throws except for shutdown
/// cancellation; every other failure is recorded and the serving model stays.
/// </summary>
/// <remarks>
/// The run first trains on a seeded holdout split, measuring the holdout metrics and the best epoch, then trains the
/// model it publishes on every rating for that many epochs, so no rating is left out of the served model.
/// The gate refuses non-finite models and a holdout RMSE worse than the serving model's by more than
/// <see cref="TrainingOptions.MaxRmseRegression"/>.
/// </remarks>
public sealed class TrainingPipeline(
    IDbContextFactory<RecommenderDbContext> dbFactory,
    ModelStore store,
    SnapshotStore snapshots,
    FreshUsers freshUsers,
    TrainingStatus status,
    TrainerFactory trainerFactory,
    IOptions<TrainingOptions> trainingOptions,
    IOptions<RatingsOptions> ratingsOptions,
    IOptions<ModelOptions> modelOptions,
    TimeProvider time,
    ILogger<TrainingPipeline> logger)
{
    private const int MinHoldoutForEarlyStopping = 100;

    /// <summary>Ranking metrics are measured on a seeded sample of this many holdout users: ranking costs users × items × k.</summary>
    private const int MaxRankingUsers = 1000;

    public async Task<TrainingOutcome> RunAsync(TrainingReason reason, CancellationToken stoppingToken)
    {
        var options = trainingOptions.Value;
        status.Started(time.GetUtcNow());
        await store.PublishGate.WaitAsync(stoppingToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(options.Timeout);
        var parameters = options.ToParameters(ratingsOptions.Value);
        try
        {
            var (outcome, error) = await TrainAndPublishAsync(reason, parameters, timeout.Token);
            status.Finished(time.GetUtcNow(), outcome, error);
            return outcome;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            status.Finished(time.GetUtcNow(), TrainingOutcome.Failed, "Training was cancelled by shutdown.");
            throw;
        }
        catch (Exception e)
        {
            var message = e is OperationCanceledException
                ? $"Training timed out after {options.Timeout} (Training:Timeout)."
                : $"Training failed: {e.Message}";
            logger.LogError(e, "Training run failed: {Error}", message);
            await RecordFailureAsync(parameters, message, CancellationToken.None);
            status.Finished(time.GetUtcNow(), TrainingOutcome.Failed, message);
            return TrainingOutcome.Failed;
        }
        finally
        {
            store.PublishGate.Release();
        }
    }

    private async Task<(TrainingOutcome, string?)> TrainAndPublishAsync(TrainingReason reason, TrainingParameters parameters, CancellationToken cancellationToken)
    {
        var options = trainingOptions.Value;
        var current = store.Current;
        var loadedSequence = freshUsers.Sequence;
        RatingDataset data;
        long dataVersion;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            // Decide on the data version alone before reading every rating: a restart of a large store skips at once.
            if (reason != TrainingReason.Manual && current is not null && current.DataVersion == await db.GetDataVersionAsync(cancellationToken))
            {
                logger.LogInformation("Training skipped: nothing changed since version {Version}", current.Model.Version);
                return (TrainingOutcome.Skipped, null);
            }

            (data, dataVersion) = await RatingLoader.LoadAsync(db, cancellationToken);
        }

        if (data.Count == 0)
        {
            logger.LogInformation("Training skipped: there are no ratings");
            return (TrainingOutcome.Skipped, null);
        }

        var version = await NextVersionAsync(cancellationToken);
        logger.LogInformation(
            "Training version {Version}: {Algorithm}, {Ratings} ratings, {Users} users, {Items} items",
            version, parameters.Algorithm, data.Count, data.Users.Count, data.Items.Count);
        var clock = Stopwatch.StartNew();
        var history = new List<EpochReport>();
        ModelMetrics? metrics = null;
        var finalParameters = parameters;
        if (options.HoldoutFraction > 0 && data.Count >= 10)
        {
            var (train, holdout) = DatasetSplit.Holdout(data, options.HoldoutFraction, parameters.Seed);
            // A handful of held-out ratings is too noisy to choose the epoch count; train the configured epochs then.
            var evaluationParameters = holdout.Count < MinHoldoutForEarlyStopping ? parameters with { EarlyStoppingPatience = 0 } : parameters;
            var evaluation = await Task.Run(() => trainerFactory(evaluationParameters).Fit(train, holdout, r => Log(version, "holdout", evaluationParameters.Epochs, r, history), cancellationToken), cancellationToken);
            metrics = Evaluator.Evaluate(evaluation.Model, holdout, maxRankingUsers: MaxRankingUsers);
            finalParameters = parameters with { Epochs = Math.Max(1, evaluation.BestEpoch), EarlyStoppingPatience = 0 };
        }

        var final = await Task.Run(() => trainerFactory(finalParameters).Fit(data, null, r => Log(version, "final fit", finalParameters.Epochs, r, metrics is null ? history : null), cancellationToken), cancellationToken);
        var model = final.Model.WithInfo(version, time.GetUtcNow(), metrics);
        var fitSeconds = clock.Elapsed.TotalSeconds;

        var rejection = Gate(model, metrics, current);
        if (rejection is not null)
        {
            logger.LogWarning("Version {Version} rejected: {Reason}", version, rejection);
            await RecordAsync(model, dataVersion, data, ModelState.Rejected, rejection, history, fitSeconds, cancellationToken);
            return (TrainingOutcome.Rejected, rejection);
        }

        snapshots.Save(model);
        var serving = new ServingModel(model, dataVersion);
        await Task.Run(() => serving.Recommendations.Warm(model, parameters.EffectiveThreads, cancellationToken), cancellationToken);
        await RecordAsync(model, dataVersion, data, ModelState.Active, null, history, fitSeconds, cancellationToken);
        store.Publish(serving);
        freshUsers.Published(loadedSequence);
        logger.LogInformation(
            "Published version {Version} in {Seconds:F2} s: holdout RMSE {Rmse:F4}, NDCG@10 {Ndcg:F4}",
            version, fitSeconds, metrics?.Rmse, metrics?.NdcgAt10);
        await PruneAsync(cancellationToken);
        return (TrainingOutcome.Published, null);
    }

    private string? Gate(FactorModel model, ModelMetrics? metrics, ServingModel? current)
    {
        if (!model.IsFinite)
        {
            return "The trained model has non-finite parameters.";
        }

        if (metrics is not null && !(double.IsFinite(metrics.Rmse) && double.IsFinite(metrics.Mae)))
        {
            return "The holdout metrics are not finite.";
        }

        var limit = trainingOptions.Value.MaxRmseRegression;
        if (metrics is not null && current?.Model.Metrics is { } serving && metrics.Rmse > serving.Rmse + limit)
        {
            return $"Holdout RMSE {metrics.Rmse:F4} is worse than the serving model's {serving.Rmse:F4} by more than {limit} (Training:MaxRmseRegression).";
        }

        return null;
    }

    /// <summary>Logs one epoch of one fit of a run: the holdout run (its epochs are the history) or the final fit.</summary>
    private void Log(long version, string fit, int epochs, EpochReport report, List<EpochReport>? history)
    {
        history?.Add(report);
        // Every epoch is recorded in the history; the log shows the first, every tenth, the last and any of a short fit.
        var level = report.Epoch == 1 || report.Epoch % 10 == 0 || report.Epoch == epochs || epochs <= 20 ? LogLevel.Information : LogLevel.Debug;
        logger.Log(
            level,
            "Version {Version} {Fit:l} epoch {Epoch}/{Epochs}: objective {Objective:F4}, train RMSE {TrainRmse:F4}, validation RMSE {ValidationRmse:F4}, {Elapsed:F2} s",
            version, fit, report.Epoch, epochs, report.Objective, report.TrainRmse, report.ValidationRmse, report.Elapsed.TotalSeconds);
    }

    private async Task<long> NextVersionAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return (await db.ModelVersions.MaxAsync(v => (long?)v.Version, cancellationToken) ?? 0) + 1;
    }

    private async Task RecordAsync(
        FactorModel model, long dataVersion, RatingDataset data, ModelState state, string? error,
        List<EpochReport> history, double fitSeconds, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (state == ModelState.Active)
        {
            await db.ModelVersions.Where(v => v.State == ModelState.Active)
                .ExecuteUpdateAsync(s => s.SetProperty(v => v.State, ModelState.Kept), cancellationToken);
        }

        var row = new ModelVersion
        {
            Version = model.Version,
            CreatedAt = model.TrainedAt.ToUnixTimeMilliseconds(),
            Algorithm = model.Parameters.Algorithm.ToString(),
            Parameters = JsonSerializer.Serialize(model.Parameters, StoreJson.Options),
            Metrics = model.Metrics is null ? null : JsonSerializer.Serialize(model.Metrics, StoreJson.Options),
            State = state,
            Error = error,
            DataVersion = dataVersion,
            RatingCount = data.Count,
            UserCount = data.Users.Count,
            ItemCount = data.Items.Count,
            FitSeconds = fitSeconds,
        };
        row.Epochs.AddRange(history.Select(r => new TrainingEpoch
        {
            Epoch = r.Epoch,
            Objective = r.Objective,
            TrainRmse = r.TrainRmse,
            ValidationRmse = r.ValidationRmse,
            ElapsedSeconds = r.Elapsed.TotalSeconds,
        }));
        db.ModelVersions.Add(row);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private async Task RecordFailureAsync(TrainingParameters parameters, string error, CancellationToken cancellationToken)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var version = (await db.ModelVersions.MaxAsync(v => (long?)v.Version, cancellationToken) ?? 0) + 1;
            db.ModelVersions.Add(new ModelVersion
            {
                Version = version,
                CreatedAt = time.GetUtcNow().ToUnixTimeMilliseconds(),
                Algorithm = parameters.Algorithm.ToString(),
                Parameters = JsonSerializer.Serialize(parameters, StoreJson.Options),
                State = ModelState.Failed,
                Error = error,
            });
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (Exception e) when (e is DbUpdateException or InvalidOperationException)
        {
            logger.LogError(e, "Could not record the failed training run");
        }
    }

    /// <summary>Keeps the newest <see cref="ModelOptions.KeepVersions"/> published snapshots and the active one.</summary>
    private async Task PruneAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var stale = await db.ModelVersions
            .Where(v => v.State == ModelState.Kept)
            .OrderByDescending(v => v.Version)
            .Skip(Math.Max(0, modelOptions.Value.KeepVersions - 1))
            .ToListAsync(cancellationToken);
        foreach (var version in stale)
        {
            snapshots.Delete(version.Version);
            version.State = ModelState.Pruned;
        }

        await db.SaveChangesAsync(cancellationToken);
    }
}
