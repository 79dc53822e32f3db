using System.Diagnostics;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Recommender.Api.Options;
using Recommender.Api.Telemetry;
using Recommender.Core.Data;
using Recommender.Core.Evaluation;
using Recommender.Core.Model;
using Recommender.Core.Ranking;
using Recommender.Core.Training;
using Recommender.Data;
using Recommender.Data.Entities;

namespace Recommender.Api.Training;

/// <summary>Creates the trainer for a set of parameters (replaceable, so tests can inject a faulty trainer).</summary>
public delegate IFactorTrainer TrainerFactory(TrainingParameters parameters);

/// <summary>Fits a ranking model (replaceable, so tests can inject a worse one).</summary>
public delegate RankingTrainingResult RankingTrainerFactory(RankingParameters parameters, RatingDataset train, CancellationToken cancellationToken);

/// <summary>
/// Exactly one training run: load → split → train → evaluate → gate → publish. It never throws except for shutdown
/// cancellation; every other failure is recorded and the serving model stays.
/// </summary>
/// <remarks>
/// The run first trains on a seeded holdout split, measuring the holdout metrics and the best epoch, then trains the
/// model it publishes on every rating for that many epochs, so no rating is left out of the served model. It also
/// scores the serving model on the holdout ratings that model has not seen, for <see cref="ModelPublisher"/>'s gate
/// to compare like with like. Automatic runs leave a pinned version serving.
/// </remarks>
public sealed partial class TrainingPipeline(
    IDbContextFactory<RecommenderDbContext> dbFactory,
    ModelStore store,
    ModelPublisher publisher,
    FreshUsers freshUsers,
    TrainingStatus status,
    TrainerFactory trainerFactory,
    RankingTrainerFactory rankingTrainerFactory,
    IOptions<TrainingOptions> trainingOptions,
    IOptions<RankingOptions> rankingOptions,
    IOptions<RatingsOptions> ratingsOptions,
    IOptions<NodeOptions> nodeOptions,
    IOptions<StoreOptions> storeOptions,
    Cluster.ClusterDatabase cluster,
    TimeProvider time,
    ILogger<TrainingPipeline> logger)
{
    private const int MinHoldoutForEarlyStopping = 100;

    /// <summary>Ranking metrics are measured on a seeded sample of this many holdout users: ranking costs users × items × k.</summary>
    private const int MaxRankingUsers = 1000;

    public async Task<TrainingOutcome> RunAsync(TrainingReason reason, CancellationToken stoppingToken, string? forcedBy = null)
    {
        var options = trainingOptions.Value;
        status.Started(time.GetUtcNow());
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(options.Timeout);
        var parameters = options.ToParameters(ratingsOptions.Value);
        using var run = RecommenderTelemetry.Source.StartActivity("training.run");
        run?.SetTag("recommender.training.reason", reason.ToString().ToLowerInvariant());
        var started = Stopwatch.GetTimestamp();
        var measured = "failed";
        try
        {
            var (outcome, error) = await TrainAndPublishAsync(reason, parameters, forcedBy, timeout.Token);
            status.Finished(time.GetUtcNow(), outcome, error);
            measured = outcome.ToString().ToLowerInvariant();
            return outcome;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            status.Finished(time.GetUtcNow(), TrainingOutcome.Failed, "Training was cancelled by shutdown.");
            measured = "cancelled";
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
            var tag = RecommenderTelemetry.Tag("outcome", measured);
            RecommenderTelemetry.TrainingRuns.Add(1, tag);
            RecommenderTelemetry.TrainingDuration.RecordSince(started, tag);
            run?.SetTag("recommender.training.outcome", measured);
            if (measured is "failed" or "cancelled")
            {
                run?.SetStatus(ActivityStatusCode.Error, status.LastError);
            }
        }
    }

    private async Task<(TrainingOutcome, string?)> TrainAndPublishAsync(
        TrainingReason reason, TrainingParameters parameters, string? forcedBy, CancellationToken cancellationToken)
    {
        var options = trainingOptions.Value;
        var current = store.Current;
        if (reason != TrainingReason.Manual && store.PinnedVersion is { } pinned)
        {
            logger.LogInformation("Training skipped: version {Version} is pinned (POST /api/model/retrain or DELETE /api/model/pin ends the pin)", pinned);
            return (TrainingOutcome.Skipped, null);
        }

        var loadedSequence = freshUsers.Sequence;
        RatingDataset data;
        long dataVersion;
        using (RecommenderTelemetry.Source.StartActivity("training.load"))
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
        Activity.Current?.SetTag("recommender.model.version", version);
        logger.LogInformation(
            "Training version {Version}: {Algorithm}, {Ratings} ratings, {Users} users, {Items} items",
            version, parameters.Algorithm, data.Count, data.Users.Count, data.Items.Count);
        var clock = Stopwatch.StartNew();
        var history = new List<EpochReport>();
        var evidence = GateEvidence.None;
        ModelMetrics? metrics = null;
        var finalParameters = parameters;
        RatingDataset? train = null, holdout = null;
        var split = options.HoldoutFraction > 0 && data.Count >= 10;
        if (split)
        {
            using var splitting = RecommenderTelemetry.Source.StartActivity("training.split");
            (train, holdout) = DatasetSplit.Holdout(data, options.HoldoutFraction, parameters.Seed);
        }

        // The search sees the training part only: the holdout stays unseen for the gate's comparison.
        var tuning = await TuneAsync(train ?? data, parameters, version, cancellationToken);
        if (tuning is not null)
        {
            parameters = tuning.Winner(parameters);
            finalParameters = parameters;
        }

        if (train is not null && holdout is not null)
        {
            // A handful of held-out ratings is too noisy to choose the epoch count; train the configured epochs then.
            var evaluationParameters = holdout.Count < MinHoldoutForEarlyStopping ? parameters with { EarlyStoppingPatience = 0 } : parameters;
            TrainingResult evaluation;
            using (RecommenderTelemetry.Source.StartActivity("training.train"))
            {
                evaluation = await Task.Run(() => trainerFactory(evaluationParameters).Fit(train, holdout, r => Log(version, "holdout", evaluationParameters.Epochs, r, history), cancellationToken), cancellationToken);
            }

            using (RecommenderTelemetry.Source.StartActivity("training.evaluate"))
            {
                metrics = Evaluator.Evaluate(evaluation.Model, holdout, maxRankingUsers: MaxRankingUsers);
                evidence = Compare(evaluation.Model, current?.Model, holdout, metrics);
            }

            finalParameters = parameters with { Epochs = Math.Max(1, evaluation.BestEpoch), EarlyStoppingPatience = 0 };
        }

        TrainingResult final;
        using (RecommenderTelemetry.Source.StartActivity("training.final_fit"))
        {
            final = await Task.Run(() => trainerFactory(finalParameters).Fit(data, null, r => Log(version, "final fit", finalParameters.Epochs, r, metrics is null ? history : null), cancellationToken), cancellationToken);
        }

        var trainedAt = time.GetUtcNow();
        var model = final.Model.WithInfo(version, trainedAt, metrics);
        RankingRun ranking;
        using (RecommenderTelemetry.Source.StartActivity("training.ranking"))
        {
            ranking = await Task.Run(() => TrainRanking(data, train, holdout, current?.Ranking, parameters, cancellationToken), cancellationToken);
        }

        var record = new RunRecord(data.Count, data.Users.Count, data.Items.Count, history, clock.Elapsed.TotalSeconds, ranking.Popularity, tuning);
        return await publisher.PublishTrainedAsync(
            new PublishCandidate(
                model, ranking.Model.WithInfo(version, trainedAt, ranking.Evidence.Holdout), dataVersion, loadedSequence, current,
                evidence, ranking.Evidence, record, reason, forcedBy),
            parameters.EffectiveThreads,
            cancellationToken);
    }

    /// <summary>
    /// The candidate and the serving model scored on the holdout ratings the serving model did not train on: its
    /// users' rated items do not hold them (new ratings, new users, new items).
    /// </summary>
    private static GateEvidence Compare(FactorModel candidate, FactorModel? serving, RatingDataset holdout, ModelMetrics metrics)
    {
        if (serving is null)
        {
            return new GateEvidence(metrics, 0, double.NaN, double.NaN);
        }

        var unseen = new RatingDatasetBuilder(holdout.Users, holdout.Items);
        for (var n = 0; n < holdout.Count; n++)
        {
            var user = serving.Users.IndexOf(holdout.Users.GetId(holdout.UserIndices[n]));
            var item = serving.Items.IndexOf(holdout.Items.GetId(holdout.ItemIndices[n]));
            if (user < 0 || item < 0 || !serving.User(user).HasRated(item))
            {
                unseen.Add(holdout.UserIndices[n], holdout.ItemIndices[n], holdout.Values[n]);
            }
        }

        var comparable = unseen.Build();
        if (comparable.Count < GateEvidence.MinComparable)
        {
            return new GateEvidence(metrics, comparable.Count, double.NaN, double.NaN);
        }

        return new GateEvidence(metrics, comparable.Count, Evaluator.Accuracy(candidate, comparable).Rmse, Evaluator.Accuracy(serving, comparable).Rmse);
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
        var newest = await db.ModelVersions.MaxAsync(v => (long?)v.Version, cancellationToken) ?? 0;
        if (nodeOptions.Value.Clustered)
        {
            // A fenced trainer may have stored a snapshot that never became a version row: its number is never reused.
            await using var connection = await cluster.OpenAsync(cancellationToken);
            newest = Math.Max(newest, await ClusterStore.MaxSnapshotVersionAsync(connection, cancellationToken));
        }

        return newest + 1;
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
}
