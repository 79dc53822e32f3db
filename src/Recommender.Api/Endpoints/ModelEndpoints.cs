using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Recommender.Api.Contracts;
using Recommender.Api.Options;
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
            .WithSummary("Ask for a training run now (it runs even when no rating changed, and a model it publishes ends a pin). force=true publishes a finite model even if the quality gate refuses it, and records who asked. 202: poll GET /api/model. 409 on an api node (Node:Role api), which never trains: ask a trainer node.")
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPost("/versions/{version:long}/activate", PostActivateVersion).WithName(nameof(PostActivateVersion)).RequireAuthorization(ApiKeyPolicies.Admin)
            .WithSummary("Serve a kept version again (roll back or forward) and pin it: automatic training runs leave it serving until a manual retrain publishes or DELETE /api/model/pin.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        group.MapDelete("/pin", DeletePin).WithName(nameof(DeletePin)).RequireAuthorization(ApiKeyPolicies.Admin)
            .WithSummary("End the pin set by an activation: the next automatic training run may replace the serving version.")
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
        var row = model is null
            ? null
            : await db.ModelVersions.AsNoTracking().Where(v => v.Version == model.Version)
                .Select(v => new { v.UserCount, v.ItemCount, v.RatingCount, v.Ranking, v.Tuning, v.Note })
                .SingleOrDefaultAsync(cancellationToken);
        return TypedResults.Ok(new ModelResponse
        {
            Version = model?.Version,
            TrainedAt = model?.TrainedAt,
            Algorithm = model?.Parameters.Algorithm.ToString(),
            Parameters = model is null ? null : ModelMapping.ToWire(model.Parameters),
            Counts = row is null ? null : new ModelCounts { Users = row.UserCount, Items = row.ItemCount, Ratings = row.RatingCount },
            Metrics = ModelMapping.ToResponse(model?.Metrics),
            Note = row?.Note,
            Ranking = ModelMapping.ToResponse(row?.Ranking),
            Tuning = ModelMapping.ToTuningResponse(row?.Tuning),
            PinnedVersion = store.PinnedVersion,
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
        return TypedResults.Ok(rows.Select(ModelMapping.ToResponse).ToList());
    }

    public static Results<Accepted<TrainingStateResponse>, ProblemHttpResult> PostRetrain(
        TrainingTrigger trigger, TrainingStatus status, IOptions<NodeOptions> node, HttpContext context, bool force = false)
    {
        if (node.Value.Role == NodeRole.Api)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "This node does not train.",
                detail: "This node's Node:Role is api: it never trains. Ask a trainer node (Node:Role trainer); the one holding the trainer lock runs it.");
        }

        trigger.Request(TrainingReason.Manual, force ? context.User.Identity?.Name ?? "(no API key)" : null);
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
        long version, ModelPublisher publisher, IOptions<NodeOptions> node, CancellationToken cancellationToken)
    {
        if (node.Value.Clustered)
        {
            return NotInCluster();
        }

        var activation = await publisher.ActivateAsync(version, cancellationToken);
        return activation switch
        {
            { Outcome: ActivationOutcome.Activated, Row: { } row } => TypedResults.Ok(ModelMapping.ToResponse(row)),
            { Outcome: ActivationOutcome.UnknownVersion } => TypedResults.Problem(
                statusCode: StatusCodes.Status404NotFound, title: "Unknown version.", detail: activation.Problem),
            _ => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Version cannot be activated.", detail: activation.Problem),
        };
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeletePin(
        ModelPublisher publisher, IOptions<NodeOptions> node, CancellationToken cancellationToken) =>
        node.Value.Clustered
            ? NotInCluster()
            : await publisher.UnpinAsync(cancellationToken)
            ? TypedResults.NoContent()
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Nothing is pinned.", detail: "No version is pinned: automatic training runs may already replace the serving version.");

    /// <summary>
    /// Activation and pins are one process's choices; in a cluster <c>model_current</c> only moves forward, to versions the
    /// trainer publishes.
    /// </summary>
    private static ProblemHttpResult NotInCluster() => TypedResults.Problem(
        statusCode: StatusCodes.Status409Conflict,
        title: "Not available in a cluster.",
        detail: "Activating a version and pins are available with Node:Role all only: in a cluster the current model moves only forward, to the versions the elected trainer publishes.");
}
