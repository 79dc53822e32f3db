using System.Text.Json;
using System.Text.Json.Serialization;
using Recommender.Api.Endpoints;
using Recommender.Api.Training;
using Recommender.Core.Model;
using Recommender.Core.Ranking;
using Recommender.Core.Training;
using Recommender.Data.Entities;

namespace Recommender.Api.Contracts;

/// <summary>The one place model versions, metrics and parameters take their wire form.</summary>
internal static class ModelMapping
{
    /// <summary>Parameters on the wire: camelCase names like every other field, enums by name.</summary>
    private static readonly JsonSerializerOptions Wire = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public static JsonElement ToWire(TrainingParameters parameters) => JsonSerializer.SerializeToElement(parameters, Wire);

    public static ModelVersionResponse ToResponse(ModelVersion row) => new()
    {
        Version = row.Version,
        CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(row.CreatedAt),
        Algorithm = row.Algorithm,
        State = row.State.ToString().ToLowerInvariant(),
        Parameters = JsonSerializer.Deserialize<TrainingParameters>(row.Parameters, StoreJson.Options) is { } parameters ? ToWire(parameters) : null,
        Metrics = ToResponse(row.Metrics is null ? null : JsonSerializer.Deserialize<ModelMetrics>(row.Metrics, StoreJson.Options)),
        Ranking = ToResponse(row.Ranking),
        Error = row.Error,
        Note = row.Note,
        RatingCount = row.RatingCount,
        FitSeconds = row.FitSeconds,
    };

    /// <summary>A version row's tuning column in wire form, or null.</summary>
    public static TuningResponse? ToTuningResponse(string? tuning)
    {
        if (tuning is null || JsonSerializer.Deserialize<TuningRecord>(tuning, StoreJson.Options) is not { } record)
        {
            return null;
        }

        var result = record.Result;
        return new TuningResponse
        {
            RanAt = record.RanAt,
            RanInVersion = record.RanInVersion,
            Folds = result.Folds,
            Ratings = result.Ratings,
            Seconds = result.Seconds,
            TimedOut = result.TimedOut,
            Winner = ToWire(result.Winner),
            Candidates = result.Candidates.Select(c => new TuningCandidateResponse
            {
                Factors = c.Parameters.Factors,
                Regularization = Math.Round(c.Parameters.Regularization, 6),
                Samples = c.Parameters.Samples,
                Rmse = c.Rmse,
                RmseStdDev = c.RmseStdDev,
                Seconds = c.Seconds,
                Skipped = c.Skipped,
                Chosen = c.Parameters == result.Winner,
            }).ToList(),
        };
    }

    /// <summary>A version row's ranking column in wire form, or null.</summary>
    public static RankingResponse? ToResponse(string? ranking) =>
        ranking is not null && JsonSerializer.Deserialize<RankingRecord>(ranking, StoreJson.Options) is { } record
            ? new RankingResponse
            {
                Algorithm = RecommendationEndpoints.AlgorithmName(record.Algorithm),
                Parameters = JsonSerializer.SerializeToElement(record.Parameters, Wire),
                Metrics = ToResponse(record.Metrics),
                Popularity = ToResponse(record.Popularity),
            }
            : null;

    /// <summary>The wire form of metrics; a rejected run's non-finite metrics are reported as absent.</summary>
    public static MetricsResponse? ToResponse(ModelMetrics? metrics) =>
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

    private static RankingMetricsResponse? ToResponse(RankingMetrics? metrics) =>
        metrics is null || !double.IsFinite(metrics.PrecisionAt10 + metrics.RecallAt10 + metrics.NdcgAt10)
        ? null
        : new RankingMetricsResponse
        {
            PrecisionAt10 = metrics.PrecisionAt10,
            RecallAt10 = metrics.RecallAt10,
            NdcgAt10 = metrics.NdcgAt10,
            Users = metrics.Users,
        };
}
