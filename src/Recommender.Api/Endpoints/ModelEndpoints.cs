using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Recommender.Api.Contracts;
using Recommender.Api.Training;
using Recommender.Core.Model;
using Recommender.Data;
using Recommender.Data.Entities;

namespace Recommender.Api.Endpoints;

/// <summary><c>/api/model</c>: the serving model, its versions, retraining and activation.</summary>
public static class ModelEndpoints
{
    public static IEndpointRouteBuilder MapModelEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/model").WithTags("Model").RequireAuthorization(ApiKeyPolicies.Api);
        group.MapGet("/", GetModel).WithName(nameof(GetModel))
            .WithSummary("The serving model (version, parameters, counts, holdout metrics, training history) and the trainer's state.");
        group.MapGet("/versions", GetModelVersions).WithName(nameof(GetModelVersions))
            .WithSummary("Every training run, newest first: published versions (active, kept, pruned) and rejected or failed runs.");
        group.MapPost("/retrain", PostRetrain).WithName(nameof(PostRetrain)).RequireAuthorization(ApiKeyPolicies.Admin)
            .WithSummary("Ask for a training run now (it runs even when no rating changed). 202: poll GET /api/model.");
        group.MapPost("/versions/{version:long}/activate", PostActivateVersion).WithName(nameof(PostActivateVersion)).RequireAuthorization(ApiKeyPolicies.Admin)
            .WithSummary("Serve a kept version again (roll back or forward).")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    public static async Task<Ok<ModelResponse>> GetModel(
        ModelStore store, TrainingStatus status, FreshUsers freshUsers, RecommenderDbContext db, CancellationToken cancellationToken)
    {
        var model = store.Current?.Model;
        var history = model is null
            ? []
            : await db.TrainingEpochs.AsNoTracking().Where(e => e.ModelVersion == model.Version).OrderBy(e => e.Epoch)
                .Select(e => new EpochResponse
                {
                    Epoch = e.Epoch,
                    Objective = e.Objective,
                    TrainRmse = e.TrainRmse,
                    ValidationRmse = e.ValidationRmse,
                    ElapsedSeconds = e.ElapsedSeconds,
                })
                .ToListAsync(cancellationToken);
        var counts = model is null
            ? null
            : await db.ModelVersions.AsNoTracking().Where(v => v.Version == model.Version)
                .Select(v => new ModelCounts { Users = v.UserCount, Items = v.ItemCount, Ratings = v.RatingCount })
                .SingleOrDefaultAsync(cancellationToken);
        return TypedResults.Ok(new ModelResponse
        {
            Version = model?.Version,
            TrainedAt = model?.TrainedAt,
            Algorithm = model?.Parameters.Algorithm.ToString(),
            Parameters = model is null ? null : JsonSerializer.SerializeToElement(model.Parameters),
            Counts = counts,
            Metrics = ToResponse(model?.Metrics),
            FoldedInUsers = freshUsers.Count,
            Training = new TrainingStateResponse
            {
                State = status.Running ? "running" : "idle",
                LastStartedAt = status.LastStartedAt,
                LastFinishedAt = status.LastFinishedAt,
                LastOutcome = status.LastOutcome?.ToString().ToLowerInvariant(),
                LastError = status.LastError,
            },
            History = history,
        });
    }

    public static async Task<Ok<List<ModelVersionResponse>>> GetModelVersions(RecommenderDbContext db, CancellationToken cancellationToken)
    {
        var rows = await db.ModelVersions.AsNoTracking().OrderByDescending(v => v.Version).Take(1000).ToListAsync(cancellationToken);
        return TypedResults.Ok(rows.Select(v => new ModelVersionResponse
        {
            Version = v.Version,
            CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(v.CreatedAt),
            Algorithm = v.Algorithm,
            State = v.State.ToString().ToLowerInvariant(),
            Parameters = JsonSerializer.Deserialize<JsonElement>(v.Parameters),
            Metrics = ToResponse(v.Metrics is null ? null : JsonSerializer.Deserialize<ModelMetrics>(v.Metrics, StoreJson.Options)),
            Error = v.Error,
            RatingCount = v.RatingCount,
            FitSeconds = v.FitSeconds,
        }).ToList());
    }

    public static Accepted<TrainingStateResponse> PostRetrain(TrainingTrigger trigger, TrainingStatus status)
    {
        trigger.Request(TrainingReason.Manual);
        return TypedResults.Accepted("/api/model", new TrainingStateResponse
        {
            State = status.Running ? "running" : "queued",
            LastStartedAt = status.LastStartedAt,
            LastFinishedAt = status.LastFinishedAt,
            LastOutcome = status.LastOutcome?.ToString().ToLowerInvariant(),
            LastError = status.LastError,
        });
    }

    public static async Task<Results<Ok<ModelVersionResponse>, ProblemHttpResult>> PostActivateVersion(
        long version,
        ModelStore store,
        SnapshotStore snapshots,
        FreshUsers freshUsers,
        RecommenderDbContext db,
        ILogger<ModelStore> logger,
        CancellationToken cancellationToken)
    {
        await store.PublishGate.WaitAsync(cancellationToken);
        try
        {
            var row = await db.ModelVersions.SingleOrDefaultAsync(v => v.Version == version, cancellationToken);
            if (row is null)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown version.", detail: $"There is no model version {version}.");
            }

            if (row.State is not (ModelState.Active or ModelState.Kept) || snapshots.TryLoad(version) is not { } model)
            {
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status409Conflict,
                    title: "Version cannot be activated.",
                    detail: $"Version {version} is {row.State.ToString().ToLowerInvariant()}; only kept versions with a snapshot on disk can be activated.");
            }

            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await db.ModelVersions.Where(v => v.State == ModelState.Active && v.Version != version)
                .ExecuteUpdateAsync(s => s.SetProperty(v => v.State, ModelState.Kept), cancellationToken);
            row.State = ModelState.Active;
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            var serving = new ServingModel(model, row.DataVersion);
            // Committed: the activation goes through even if the client has gone.
            await freshUsers.RebaseAsync(serving, CancellationToken.None);
            store.Publish(serving);
            serving.Recommendations.WarmInBackground(model, logger);
            logger.LogInformation("Activated model version {Version}", version);
            return TypedResults.Ok(new ModelVersionResponse
            {
                Version = row.Version,
                CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(row.CreatedAt),
                Algorithm = row.Algorithm,
                State = "active",
                Parameters = JsonSerializer.Deserialize<JsonElement>(row.Parameters),
                Metrics = ToResponse(model.Metrics),
                RatingCount = row.RatingCount,
                FitSeconds = row.FitSeconds,
            });
        }
        finally
        {
            store.PublishGate.Release();
        }
    }

    /// <summary>The wire form of metrics; a rejected run's non-finite metrics are reported as absent.</summary>
    private static MetricsResponse? ToResponse(ModelMetrics? metrics) =>
        metrics is null || !double.IsFinite(metrics.Rmse + metrics.Mae + metrics.PrecisionAt10 + metrics.RecallAt10 + metrics.NdcgAt10)
        ? null
        : new MetricsResponse
        {
            Rmse = metrics.Rmse,
            Mae = metrics.Mae,
            PrecisionAt10 = metrics.PrecisionAt10,
            RecallAt10 = metrics.RecallAt10,
            NdcgAt10 = metrics.NdcgAt10,
            TestCount = metrics.TestCount,
        };
}
