using Recommender.Core.Model;

namespace Recommender.Api.Training;

/// <summary>A published model, the store's data version it was trained on, and its memo of trained users' top lists.</summary>
public sealed record ServingModel(FactorModel Model, long DataVersion)
{
    /// <summary>Top-N lists of trained users under this model (they never change while it serves).</summary>
    public RecommendationCache Recommendations { get; } = new();
}

/// <summary>
/// Holds the one model that answers queries. Publishing swaps a single reference, so a handler that reads
/// <see cref="Current"/> once answers wholly from one version; the read path takes no lock.
/// </summary>
public sealed class ModelStore
{
    private ServingModel? _current;
    private TaskCompletionSource<ServingModel> _published = NewSignal();

    /// <summary>Serialises publications (state change and swap; never training, loading or queries).</summary>
    internal SemaphoreSlim PublishGate { get; } = new(1, 1);

    /// <summary>
    /// The version an administrator activated, which automatic training runs leave serving; null when nothing is
    /// pinned. Changed only by <see cref="ModelPublisher"/>, with the store.
    /// </summary>
    public long? PinnedVersion
    {
        get => Volatile.Read(ref _pinned) is var pinned && pinned > 0 ? pinned : null;
        internal set => Volatile.Write(ref _pinned, value ?? 0);
    }

    private long _pinned;

    /// <summary>The serving model, or null before the first one is loaded or trained.</summary>
    public ServingModel? Current => Volatile.Read(ref _current);

    /// <summary>Makes <paramref name="model"/> the serving model and wakes anyone waiting for a publication.</summary>
    public void Publish(ServingModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Volatile.Write(ref _current, model);
        Interlocked.Exchange(ref _published, NewSignal()).TrySetResult(model);
    }

    /// <summary>Completes at the next publication (used by tests and tooling that wait for a retrain).</summary>
    public Task<ServingModel> NextPublicationAsync(CancellationToken cancellationToken) =>
        Volatile.Read(ref _published).Task.WaitAsync(cancellationToken);

    private static TaskCompletionSource<ServingModel> NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
