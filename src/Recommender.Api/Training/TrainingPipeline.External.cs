using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Recommender.Api.Options;
using Recommender.Core.Data;
using Recommender.Core.Evaluation;
using Recommender.Core.Model;
using Recommender.Core.Ranking;
using Recommender.Core.Training;
using Recommender.Data;

namespace Recommender.Api.Training;

public sealed partial class TrainingPipeline
{
    /// <summary>Spark ALS's defaults, recorded when the ready row does not say: <c>regParam</c> 0.1, <c>maxIter</c> 10.</summary>
    private const double SparkRegParam = 0.1;

    private const int SparkMaxIter = 10;

    /// <summary>How many offending ids a rejection names.</summary>
    private const int Examples = 3;

    /// <summary>
    /// True when this node looks for external models: the store is PostgreSQL, the node trains (role all or trainer)
    /// and <see cref="TrainingOptions.ExternalPollInterval"/> is positive.
    /// </summary>
    public bool ExternalModelsEnabled =>
        storeOptions.Value.Provider == StoreProvider.Postgres
        && nodeOptions.Value.Role != NodeRole.Api
        && trainingOptions.Value.ExternalPollInterval > TimeSpan.Zero;

    /// <summary>
    /// Takes the newest external batch marked ready, if any: checks it, builds the serving model from its factors, gates
    /// it like a run of the service's own and publishes it through the same publisher. Older ready batches are marked
    /// superseded. Null when no batch is ready (or a version is pinned: the batch waits); otherwise how it ended. A
    /// failure that is not the batch's (the store not answering) leaves it ready for the next poll. The caller is the
    /// training loop, so this never runs beside a training run; on a trainer node only while it holds the lock.
    /// </summary>
    public async Task<TrainingOutcome?> PublishExternalAsync(CancellationToken stoppingToken)
    {
        if (!ExternalModelsEnabled)
        {
            return null;
        }

        IReadOnlyList<ExternalBatch> ready;
        try
        {
            await using var connection = await cluster.OpenAsync(stoppingToken);
            ready = await ExternalModelStore.ReadyBatchesAsync(connection, stoppingToken);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException)
        {
            logger.LogWarning("Could not look for external models: {Message}", e.Message);
            return null;
        }

        if (ready.Count == 0)
        {
            return null;
        }

        if (store.PinnedVersion is { } pinned)
        {
            logger.LogDebug("External batch {Batch} waits: version {Version} is pinned", ready[0].BatchId, pinned);
            return null;
        }

        var batch = ready[0];
        status.Started(time.GetUtcNow());
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(trainingOptions.Value.Timeout);
        try
        {
            foreach (var older in ready.Skip(1))
            {
                logger.LogInformation("External batch {Older} is superseded by the newer batch {Batch}", older.BatchId, batch.BatchId);
                await publisher.FinishExternalBatchAsync(
                    older.BatchId, ExternalBatchState.Superseded, $"Batch '{batch.BatchId}' was ready too and is newer: it was taken instead.", timeout.Token);
            }

            var (outcome, error) = await PublishExternalBatchAsync(batch, timeout.Token);
            status.Finished(time.GetUtcNow(), outcome, error);
            return outcome;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            status.Finished(time.GetUtcNow(), TrainingOutcome.Failed, "Publishing an external model was cancelled by shutdown.");
            throw;
        }
        catch (Exception e)
        {
            var message = e is OperationCanceledException
                ? $"Publishing external batch '{batch.BatchId}' timed out after {trainingOptions.Value.Timeout} (Training:Timeout); it stays ready."
                : $"Publishing external batch '{batch.BatchId}' failed: {e.Message}; it stays ready.";
            logger.LogError(e, "{Error}", message);
            status.Finished(time.GetUtcNow(), TrainingOutcome.Failed, message);
            return TrainingOutcome.Failed;
        }
        finally
        {
            await DeleteProcessedFactorsAsync();
        }
    }

    private async Task<(TrainingOutcome, string?)> PublishExternalBatchAsync(ExternalBatch batch, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var current = store.Current;
        var loadedSequence = freshUsers.Sequence;
        RatingDataset data;
        long dataVersion;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            (data, dataVersion) = await RatingLoader.LoadAsync(db, cancellationToken);
        }

        List<ExternalFactorRow> users, items;
        await using (var connection = await cluster.OpenAsync(cancellationToken))
        {
            users = await ExternalModelStore.ReadFactorsAsync(connection, batch.BatchId, users: true, cancellationToken);
            items = await ExternalModelStore.ReadFactorsAsync(connection, batch.BatchId, users: false, cancellationToken);
        }

        if (Validate(batch, users, items, data) is { } problem)
        {
            logger.LogWarning("External batch {Batch} rejected: {Reason}", batch.BatchId, problem);
            await publisher.FinishExternalBatchAsync(batch.BatchId, ExternalBatchState.Rejected, problem, cancellationToken);
            return (TrainingOutcome.Rejected, $"External batch '{batch.BatchId}' rejected: {problem}");
        }

        var userFactors = users.ToDictionary(r => r.Id, r => Array.ConvertAll(r.Features!, f => f!.Value), StringComparer.Ordinal);
        var itemFactors = items.ToDictionary(r => r.Id, r => Array.ConvertAll(r.Features!, f => f!.Value), StringComparer.Ordinal);
        users.Clear();
        items.Clear();
        var parameters = trainingOptions.Value.ToParameters(ratingsOptions.Value) with
        {
            Algorithm = Algorithm.Als,
            Factors = batch.Rank,
            Epochs = batch.MaxIter ?? SparkMaxIter,
            Regularization = (float)(batch.RegParam ?? SparkRegParam),
            BiasRegularization = 0f,
            LearningRate = 0f,
            LearningRateDecay = 1f,
            InitStandardDeviation = null,
            EarlyStoppingPatience = 0,
            Samples = 1,
            BurnIn = 0,
        };

        var version = await NextVersionAsync(cancellationToken);
        logger.LogInformation(
            "Building version {Version} from external batch {Batch} ({Algorithm}, rank {Rank}): {Users} user and {Items} item vectors; the store has {Ratings} ratings",
            version, batch.BatchId, batch.Algorithm, batch.Rank, userFactors.Count, itemFactors.Count, data.Count);

        // The same evidence as a run of the service's own: the seeded holdout, and the ratings of it the serving model
        // has not seen. The model scored is built on the training split (its rated items, its fold-ins), as a run's is.
        var evidence = GateEvidence.None;
        ModelMetrics? metrics = null;
        RatingDataset? train = null, holdout = null;
        if (trainingOptions.Value.HoldoutFraction > 0 && data.Count >= 10)
        {
            (train, holdout) = DatasetSplit.Holdout(data, trainingOptions.Value.HoldoutFraction, parameters.Seed);
            var evaluation = await Task.Run(() => FactorModel.FromDotProductFactors(train, parameters, userFactors, itemFactors).Model, cancellationToken);
            metrics = Evaluator.Evaluate(evaluation, holdout, maxRankingUsers: MaxRankingUsers);
            evidence = Compare(evaluation, current?.Model, holdout, metrics);
        }

        var (built, foldedIn) = await Task.Run(() => FactorModel.FromDotProductFactors(data, parameters, userFactors, itemFactors), cancellationToken);
        var trainedAt = time.GetUtcNow();
        var model = built.WithInfo(version, trainedAt, metrics);

        // The ranking model is not the batch's to change: the serving one is kept under the new version. With none
        // serving yet, the configured ranking model is fitted as a run of the service's own would.
        RankingModel ranking;
        var rankingEvidence = RankingEvidence.None;
        RankingMetrics? popularity = null;
        if (current?.Ranking is { } kept)
        {
            ranking = kept.WithInfo(version, kept.TrainedAt, kept.Metrics);
        }
        else
        {
            var run = await Task.Run(() => TrainRanking(data, train, holdout, null, parameters, cancellationToken), cancellationToken);
            ranking = run.Model.WithInfo(version, trainedAt, run.Evidence.Holdout);
            (rankingEvidence, popularity) = (run.Evidence, run.Popularity);
        }

        var untrainedItems = data.Items.Count - itemFactors.Count;
        var regParam = batch.RegParam?.ToString(CultureInfo.InvariantCulture) ?? "not stated";
        var maxIter = batch.MaxIter?.ToString(CultureInfo.InvariantCulture) ?? "not stated";
        var rankingNote = current?.Ranking is null ? "The ranking model was trained here." : $"The ranking model is version {current.Model.Version}'s, kept.";
        var note = string.Create(
            CultureInfo.InvariantCulture,
            $"External model from batch '{batch.BatchId}' ({batch.Algorithm}; rank {batch.Rank}, regParam {regParam}, maxIter {maxIter}, explicit ratings): predictions are dot products of its factors, without biases. {foldedIn} users it had no factors for were folded in; {untrainedItems} items it had no factors for predict the fallback. {rankingNote}");
        var record = new RunRecord(data.Count, data.Users.Count, data.Items.Count, [], clock.Elapsed.TotalSeconds, popularity);
        return await publisher.PublishTrainedAsync(
            new PublishCandidate(
                model, ranking, dataVersion, loadedSequence, current, evidence, rankingEvidence, record, TrainingReason.DataChanged, null, note, batch.BatchId),
            parameters.EffectiveThreads,
            cancellationToken);
    }

    /// <summary>Why a batch cannot be served, or null: the contract's flags, the rank, every row's shape and values, every id.</summary>
    internal static string? Validate(ExternalBatch batch, IReadOnlyList<ExternalFactorRow> users, IReadOnlyList<ExternalFactorRow> items, RatingDataset data)
    {
        if (!batch.DotProduct)
        {
            return "dot_product is false: the service serves external factors by their dot product alone (no biases are part of the contract).";
        }

        if (batch.ImplicitPrefs)
        {
            return "implicit_prefs is true: an implicit-feedback model scores preferences, not ratings, and the rating model predicts ratings.";
        }

        if (batch.Rank is < 1 or > TrainingParameters.MaxFactors)
        {
            return $"rank {batch.Rank} is not between 1 and {TrainingParameters.MaxFactors}.";
        }

        if (data.Count == 0)
        {
            return "The store has no ratings to serve the model on.";
        }

        if (users.Count == 0 || items.Count == 0)
        {
            return $"It has {users.Count} user rows and {items.Count} item rows; a model needs both.";
        }

        return Check(users, "user", data.Users, batch.Rank) ?? Check(items, "item", data.Items, batch.Rank);
    }

    private static string? Check(IReadOnlyList<ExternalFactorRow> rows, string side, IdMap known, int rank)
    {
        var shape = rows.Where(r => r.Features is null || r.Features.Length != rank).ToList();
        if (shape.Count > 0)
        {
            return $"{shape.Count} {side} rows do not hold {rank} features (the rank), e.g. "
                + string.Join(", ", shape.Take(Examples).Select(r => $"{Quote(r.Id)} ({(r.Features is null ? "not a one-dimensional array" : $"{r.Features.Length}")})"))
                + ".";
        }

        var nulls = rows.Where(r => r.Features!.Any(f => f is null)).ToList();
        if (nulls.Count > 0)
        {
            return $"{nulls.Count} {side} rows hold NULL features, e.g. {Names(nulls)}.";
        }

        var infinite = rows.Where(r => r.Features!.Any(f => !float.IsFinite(f!.Value))).ToList();
        if (infinite.Count > 0)
        {
            return $"{infinite.Count} {side} rows hold NaN or infinite features, e.g. {Names(infinite)}.";
        }

        var unknown = rows.Where(r => !known.Contains(r.Id)).ToList();
        return unknown.Count > 0
            ? $"{unknown.Count} {side} ids are not {side}s with ratings in the store, e.g. {Names(unknown)}."
            : null;

        static string Names(List<ExternalFactorRow> offending) => string.Join(", ", offending.Take(Examples).Select(r => Quote(r.Id)));

        static string Quote(string id) => $"'{(id.Length > 64 ? id[..64] + "…" : id)}'";
    }

    private async Task DeleteProcessedFactorsAsync()
    {
        try
        {
            await using var connection = await cluster.OpenAsync(CancellationToken.None);
            await ExternalModelStore.DeleteProcessedFactorsAsync(connection, CancellationToken.None);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException)
        {
            logger.LogWarning("Could not delete the factor rows of processed external batches: {Message}", e.Message);
        }
    }
}
