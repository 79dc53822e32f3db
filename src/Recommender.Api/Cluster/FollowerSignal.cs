namespace Recommender.Api.Cluster;

/// <summary>
/// Tells <see cref="ClusterFollower"/> to poll the store now rather than at its next interval: raised by an
/// announcement or a restored Redis connection (<see cref="ClusterBus"/>). At most one wake-up is pending.
/// </summary>
public sealed class FollowerSignal
{
    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <summary>Wakes the follower, unless a wake-up is pending already.</summary>
    public void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // A wake-up is pending already.
        }
    }

    /// <summary>Waits for a wake-up or <paramref name="timeout"/>, whichever comes first.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _wake.WaitAsync(timeout, cancellationToken);
}
