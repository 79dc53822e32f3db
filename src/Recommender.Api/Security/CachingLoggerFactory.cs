using System.Collections.Concurrent;

namespace Recommender.Api.Security;

/// <summary>
/// A logger factory that makes each category's logger once. Authentication handlers are created for every request and
/// their base class asks the factory for a logger each time; the service's Serilog factory builds a new logger, with
/// caches of its own, for every such call — allocations on every request, live probes included.
/// </summary>
internal sealed class CachingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    private readonly ConcurrentDictionary<string, ILogger> _loggers = new(StringComparer.Ordinal);

    public ILogger CreateLogger(string categoryName) => _loggers.GetOrAdd(categoryName, inner.CreateLogger);

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    // The inner factory belongs to the container.
    public void Dispose()
    {
    }
}
