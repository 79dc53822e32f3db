namespace Recommender.Api.Training;

/// <summary>How a training run ended.</summary>
public enum TrainingOutcome
{
    /// <summary>A new model was published.</summary>
    Published,

    /// <summary>Nothing changed since the serving model, or there are no ratings.</summary>
    Skipped,

    /// <summary>The new model failed the quality gate; the serving model stays.</summary>
    Rejected,

    /// <summary>Training threw, timed out or produced non-finite values; the serving model stays.</summary>
    Failed,
}

/// <summary>The trainer's state, kept apart from the model so a failed run never touches what is served.</summary>
public sealed class TrainingStatus
{
    private readonly Lock _lock = new();
    private TaskCompletionSource<TrainingOutcome> _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool Running { get; private set; }

    public DateTimeOffset? LastStartedAt { get; private set; }

    public DateTimeOffset? LastFinishedAt { get; private set; }

    public TrainingOutcome? LastOutcome { get; private set; }

    /// <summary>Why the last run that did not publish failed or was rejected (cleared by the next publication).</summary>
    public string? LastError { get; private set; }

    public void Started(DateTimeOffset at)
    {
        lock (_lock)
        {
            Running = true;
            LastStartedAt = at;
        }
    }

    public void Finished(DateTimeOffset at, TrainingOutcome outcome, string? error)
    {
        TaskCompletionSource<TrainingOutcome> completed;
        lock (_lock)
        {
            Running = false;
            LastFinishedAt = at;
            LastOutcome = outcome;
            if (outcome == TrainingOutcome.Published || error is not null)
            {
                LastError = error;
            }

            completed = _completed;
            _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        completed.TrySetResult(outcome);
    }

    /// <summary>Completes at once when no run is in progress, else when the current run finishes.</summary>
    public Task WhenIdleAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Running ? _completed.Task.WaitAsync(cancellationToken) : Task.CompletedTask;
        }
    }

    /// <summary>Completes when the next run finishes, with its outcome.</summary>
    public Task<TrainingOutcome> NextRunAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return _completed.Task.WaitAsync(cancellationToken);
        }
    }
}
