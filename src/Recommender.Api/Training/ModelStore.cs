using Recommender.Core.Model;
using Recommender.Core.Ranking;

namespace Recommender.Api.Training;

/// <summary>
/// A published version: its rating model, its ranking model (none for a snapshot written before ranking models
/// existed), the store's data version they were trained on, and their memos of trained users' top lists.
/// </summary>
public sealed record ServingModel(FactorModel Model, long DataVersion, RankingModel? Ranking = null)
{
    /// <summary>Top-N lists of trained users under the rating model (they never change while it serves).</summary>
    public RecommendationCache Recommendations { get; } = new();

    /// <summary>Top-N lists of trained users under the ranking model.</summary>
    public RankingCache Rankings { get; } = new();

    /// <summary>Serialized answers of the default strategy for trained users.</summary>
    public ResponseCache Responses { get; } = new();

    /// <summary>Warms both memos (see <see cref="RecommendationCache.Warm"/>).</summary>
    public void Warm(int threads, CancellationToken cancellationToken)
    {
        Recommendations.Warm(Model, threads, cancellationToken);
        if (Ranking is not null)
        {
            Rankings.Warm(Ranking, threads, cancellationToken);
        }
    }

    private readonly CancellationTokenSource _retired = new();

    /// <summary>Cancelled when another version replaces this one as the serving model.</summary>
    public CancellationToken Retired => _retired.Token;

    /// <summary>Marks this version as no longer serving: its background warm-up stops.</summary>
    internal void Retire() => _retired.Cancel();

    /// <summary>
    /// Warms both memos in the background on one thread, for a version that already serves, until it is retired (a
    /// warm-up of a version nobody asks any more would only take the CPU from the one that replaced it).
    /// </summary>
    public void WarmInBackground(ILogger logger) =>
        _ = Task.Run(() =>
        {
            try
            {
                Warm(threads: 1, Retired);
            }
            catch (OperationCanceledException) when (Retired.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Warming the recommendation caches of version {Version} failed", Model.Version);
            }
        });
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

    private ServingModel? _previous;

    /// <summary>
    /// The version that served before the current one, kept in memory so that rolling back to it reads no snapshot.
    /// </summary>
    internal ServingModel? Previous => Volatile.Read(ref _previous);

    /// <summary>The serving model, or null before the first one is loaded or trained.</summary>
    public ServingModel? Current => Volatile.Read(ref _current);

    /// <summary>Makes <paramref name="model"/> the serving model and wakes anyone waiting for a publication.</summary>
    public void Publish(ServingModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var replaced = Volatile.Read(ref _current);
        Volatile.Write(ref _previous, replaced);
        Volatile.Write(ref _current, model);
        if (!ReferenceEquals(replaced, model))
        {
            replaced?.Retire();
        }

        Interlocked.Exchange(ref _published, NewSignal()).TrySetResult(model);
    }

    /// <summary>Completes at the next publication (used by tests and tooling that wait for a retrain).</summary>
    public Task<ServingModel> NextPublicationAsync(CancellationToken cancellationToken) =>
        Volatile.Read(ref _published).Task.WaitAsync(cancellationToken);

    private static TaskCompletionSource<ServingModel> NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
