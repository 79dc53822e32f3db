using Microsoft.Extensions.Options;

namespace Recommender.Api.Options;

/// <summary>The optional Redis that announces new versions and changed users to the other nodes at once.</summary>
public sealed class RedisOptions
{
    public const string SectionName = "Redis";

    /// <summary>A StackExchange.Redis configuration string (<c>host:port</c>, options after commas); unset: nodes poll only.</summary>
    public string? Connection { get; set; }

    /// <summary>The prefix of the pub/sub channels, so several deployments can share one Redis.</summary>
    public string Channel { get; set; } = "recommender";

    /// <summary>
    /// How long a model snapshot stays cached in Redis for the replicas (<c>Cluster/SnapshotCache</c>); zero caches none,
    /// and every replica reads snapshots from PostgreSQL.
    /// </summary>
    public TimeSpan SnapshotCacheTtl { get; set; } = TimeSpan.FromDays(1);
}

internal sealed class RedisOptionsValidator : IValidateOptions<RedisOptions>
{
    public ValidateOptionsResult Validate(string? name, RedisOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Channel))
        {
            return ValidateOptionsResult.Fail("Redis:Channel must be set.");
        }

        if (options.SnapshotCacheTtl < TimeSpan.Zero)
        {
            return ValidateOptionsResult.Fail("Redis:SnapshotCacheTtl must not be negative (zero caches no snapshot).");
        }

        if (string.IsNullOrWhiteSpace(options.Connection))
        {
            return ValidateOptionsResult.Success;
        }

        try
        {
            return StackExchange.Redis.ConfigurationOptions.Parse(options.Connection).EndPoints.Count == 0
                ? ValidateOptionsResult.Fail("Redis:Connection names no endpoint; it must be a StackExchange.Redis configuration string such as redis:6379.")
                : ValidateOptionsResult.Success;
        }
        catch (ArgumentException e)
        {
            return ValidateOptionsResult.Fail($"Redis:Connection is not a StackExchange.Redis configuration string ({e.Message.Split('\n')[0]}).");
        }
    }
}
