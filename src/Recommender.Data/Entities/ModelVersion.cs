namespace Recommender.Data.Entities;

/// <summary>What became of a training run.</summary>
public enum ModelState
{
    /// <summary>Published and serving.</summary>
    Active = 0,

    /// <summary>Published before; its snapshot is kept and can be activated again.</summary>
    Kept = 1,

    /// <summary>Published before; its snapshot has been pruned.</summary>
    Pruned = 2,

    /// <summary>Trained, but the quality gate refused it.</summary>
    Rejected = 3,

    /// <summary>Training failed (an exception, non-finite values or a timeout).</summary>
    Failed = 4,
}

/// <summary>One training run and, when it was published, the model version it produced.</summary>
public sealed class ModelVersion
{
    public long Version { get; set; }

    /// <summary>Unix milliseconds when the run finished.</summary>
    public long CreatedAt { get; set; }

    public required string Algorithm { get; set; }

    /// <summary>The training parameters, as JSON.</summary>
    public required string Parameters { get; set; }

    /// <summary>Holdout metrics, as JSON (null when the run failed before evaluation).</summary>
    public string? Metrics { get; set; }

    /// <summary>
    /// The version's ranking model — algorithm, parameters, holdout metrics and popularity's — as JSON (null for runs
    /// from before ranking models, and for failed runs).
    /// </summary>
    public string? Ranking { get; set; }

    /// <summary>
    /// The hyperparameter search whose winner the run trained with, as JSON: run by this version, or carried from the
    /// version that ran it (Training:Tune = Daily). Null when the run used the configured parameters.
    /// </summary>
    public string? Tuning { get; set; }

    public ModelState State { get; set; }

    /// <summary>Why the run was rejected or failed, or why a published snapshot can no longer be served.</summary>
    public string? Error { get; set; }

    /// <summary>
    /// An audit note: the external batch a model trained outside the service was built from, and who published the
    /// version past the quality gate with force, and what the gate said.
    /// </summary>
    public string? Note { get; set; }

    /// <summary>The store's data version the run trained on.</summary>
    public long DataVersion { get; set; }

    public int RatingCount { get; set; }

    public int UserCount { get; set; }

    public int ItemCount { get; set; }

    public double FitSeconds { get; set; }

    public List<TrainingEpoch> Epochs { get; } = [];
}
