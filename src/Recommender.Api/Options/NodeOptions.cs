using Microsoft.Extensions.Options;
using Recommender.Data;

namespace Recommender.Api.Options;

/// <summary>What this process does when several share one PostgreSQL store.</summary>
public enum NodeRole
{
    /// <summary>Serves, writes and trains, alone (the default: the service as one process).</summary>
    All,

    /// <summary>Serves reads and writes; never trains. Follows the published model and other nodes' writes.</summary>
    Api,

    /// <summary>Competes for the trainer lock; only the holder trains and publishes. Serves like an api node too.</summary>
    Trainer,
}

/// <summary>The process's role in a cluster, and how it follows the shared store.</summary>
public sealed class NodeOptions
{
    public const string SectionName = "Node";

    public NodeRole Role { get; set; } = NodeRole.All;

    /// <summary>How often an api or trainer node polls the store for a new model and for other nodes' writes.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How often a trainer without the lock tries to take it, and the holder checks it still holds it.</summary>
    public TimeSpan LockInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// On SIGTERM, how long to keep answering while reporting not ready before the server stops (zero: stop at once).
    /// Behind a proxy, a little more than its health check's or connection reuse's reaction time.
    /// </summary>
    public TimeSpan DrainDelay { get; set; } = TimeSpan.Zero;

    /// <summary>True for the roles that share the store with other processes.</summary>
    public bool Clustered => Role != NodeRole.All;
}

internal sealed class NodeOptionsValidator(IConfiguration configuration) : IValidateOptions<NodeOptions>
{
    public ValidateOptionsResult Validate(string? name, NodeOptions options)
    {
        var errors = new List<string>();
        if (!Enum.IsDefined(options.Role))
        {
            errors.Add("Node:Role must be all, api or trainer.");
        }
        else if (options.Clustered
            && !(Enum.TryParse<StoreProvider>(configuration[$"{StoreOptions.SectionName}:Provider"], ignoreCase: true, out var provider) && provider == StoreProvider.Postgres))
        {
            errors.Add($"Node:Role {options.Role.ToString().ToLowerInvariant()} needs Store:Provider Postgres: nodes share their store, their model and their trainer lock through PostgreSQL.");
        }

        if (options.PollInterval < TimeSpan.FromMilliseconds(10) || options.PollInterval > TimeSpan.FromMinutes(1))
        {
            errors.Add("Node:PollInterval must be between 00:00:00.010 and 00:01:00.");
        }

        if (options.LockInterval < TimeSpan.FromMilliseconds(10) || options.LockInterval > TimeSpan.FromMinutes(1))
        {
            errors.Add("Node:LockInterval must be between 00:00:00.010 and 00:01:00.");
        }

        if (options.DrainDelay < TimeSpan.Zero || options.DrainDelay > TimeSpan.FromSeconds(20))
        {
            errors.Add("Node:DrainDelay must be between 00:00:00 and 00:00:20 (the host gives a stop 30 s).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
