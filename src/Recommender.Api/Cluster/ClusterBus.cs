using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Recommender.Api.Options;
using Recommender.Api.Training;
using StackExchange.Redis;

namespace Recommender.Api.Cluster;

/// <summary>
/// Announcements between nodes over Redis pub/sub, when <c>Redis:Connection</c> is set on an api or trainer node: the
/// trainer announces each version it publishes, every node the users its writes changed. A node that hears of a version
/// polls the store at once (<see cref="FollowerSignal"/>); one that hears of users marks them for fold-in at once
/// (the next poll confirms them, and catches deletions and announcements "poll" stands for).
/// </summary>
/// <remarks>
/// Pub/sub loses messages (a node that is disconnected hears nothing), so it only makes nodes react sooner: polling stays
/// and is what the promises rest on. Redis being down or slow never fails a request or a write — announcing is
/// fire-and-forget and every error is logged and dropped; the connection is retried in the background.
/// </remarks>
public sealed class ClusterBus(
    IOptions<RedisOptions> options,
    IOptions<NodeOptions> node,
    FollowerSignal follower,
    FreshUsers freshUsers,
    ModelStore store,
    ILogger<ClusterBus> logger) : IHostedService, IAsyncDisposable
{
    /// <summary>More changed users than this in one write are announced as "poll" only.</summary>
    private const int MaxAnnouncedUsers = 1000;

    private readonly string _self = Guid.NewGuid().ToString("N");
    private readonly CancellationTokenSource _stopping = new();
    private ConnectionMultiplexer? _redis;

    private RedisChannel ModelChannel => RedisChannel.Literal($"{options.Value.Channel}:model");

    private RedisChannel UsersChannel => RedisChannel.Literal($"{options.Value.Channel}:users");

    /// <summary>True while a Redis connection is up.</summary>
    public bool Connected => _redis?.IsConnected == true;

    /// <summary>The Redis database while a connection is up (for <see cref="SnapshotCache"/>); null otherwise.</summary>
    internal IDatabase? Database => _redis is { IsConnected: true } redis ? redis.GetDatabase() : null;

    /// <summary>Announces that <paramref name="version"/> is current.</summary>
    public void AnnounceVersion(long version) => Publish(ModelChannel, $"{_self} {version.ToString(CultureInfo.InvariantCulture)}");

    /// <summary>Announces users whose ratings a committed write changed (or deleted).</summary>
    public void AnnounceUsers(IEnumerable<string> userIds)
    {
        if (_redis is null)
        {
            return;
        }

        var ids = userIds.Take(MaxAnnouncedUsers + 1).ToList();
        Publish(UsersChannel, $"{_self} {(ids.Count > MaxAnnouncedUsers ? "[]" : JsonSerializer.Serialize(ids))}");
    }

    private void Publish(RedisChannel channel, string message)
    {
        if (_redis is not { } redis)
        {
            return;
        }

        try
        {
            redis.GetSubscriber().Publish(channel, message, CommandFlags.FireAndForget);
        }
        catch (Exception e)
        {
            logger.LogDebug("Could not announce on Redis: {Message}", e.Message);
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!node.Value.Clustered || string.IsNullOrWhiteSpace(options.Value.Connection))
        {
            return;
        }

        var configuration = ConfigurationOptions.Parse(options.Value.Connection);
        // Start whether Redis answers or not, and keep reconnecting: Redis is never on a request's path.
        configuration.AbortOnConnectFail = false;
        configuration.ConnectTimeout = Math.Min(configuration.ConnectTimeout, 2000);
        configuration.ClientName ??= "recommender";
        try
        {
            _redis = await ConnectionMultiplexer.ConnectAsync(configuration);
            _redis.ConnectionFailed += (_, e) => logger.LogWarning("Redis connection lost ({Failure}); nodes keep polling the store", e.FailureType);
            _redis.ConnectionRestored += (_, _) =>
            {
                logger.LogInformation("Redis connection restored");
                follower.Wake();
            };
            var subscriber = _redis.GetSubscriber();
            await subscriber.SubscribeAsync(ModelChannel, (_, message) => OnVersion(message));
            await subscriber.SubscribeAsync(UsersChannel, (_, message) => OnUsers(message));
            logger.LogInformation("Announcements go through Redis ({Connected})", _redis.IsConnected ? "connected" : "connecting");
            if (node.Value.Role == NodeRole.Trainer)
            {
                _ = AnnouncePublicationsAsync(_stopping.Token);
            }
        }
        catch (Exception e)
        {
            logger.LogWarning("Redis is unavailable ({Message}); nodes poll the store only", e.Message);
        }
    }

    /// <summary>On a trainer node: announces every version this node starts to serve (the ones it publishes among them).</summary>
    private async Task AnnouncePublicationsAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (true)
            {
                var published = await store.NextPublicationAsync(stoppingToken);
                AnnounceVersion(published.Model.Version);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void OnVersion(RedisValue message)
    {
        if (!IsOwn(message, out _))
        {
            follower.Wake();
        }
    }

    private void OnUsers(RedisValue message)
    {
        if (IsOwn(message, out var body))
        {
            return;
        }

        try
        {
            var ids = JsonSerializer.Deserialize<List<string>>(body) ?? [];
            freshUsers.MarkChanged(ids);
        }
        catch (JsonException)
        {
            // Not ours to read: the poll catches up.
        }

        // No wake-up here: under a write load that would poll the store continuously; the next poll confirms.
    }

    private bool IsOwn(RedisValue message, out string body)
    {
        var text = (string?)message ?? "";
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        body = space < 0 ? "" : text[(space + 1)..];
        return space > 0 && text.AsSpan(0, space).SequenceEqual(_self);
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis is { } redis)
        {
            _redis = null;
            await redis.CloseAsync(allowCommandsToComplete: false);
            redis.Dispose();
        }
    }
}
