using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Recommender.Client;

/// <summary>Registers <see cref="RecommenderClient"/> as a typed client of <c>IHttpClientFactory</c>.</summary>
public static class RecommenderClientRegistration
{
    /// <summary>
    /// Registers <see cref="RecommenderClient"/>, configured by <paramref name="configure"/>, with its base address, API
    /// key, timeout and <see cref="RecommenderRetryHandler"/>; its handlers are pooled by <c>IHttpClientFactory</c>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options: at least <see cref="RecommenderClientOptions.BaseAddress"/>.</param>
    /// <returns>The client's builder, to add handlers or configure the primary handler.</returns>
    public static IHttpClientBuilder AddRecommenderClient(this IServiceCollection services, Action<RecommenderClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<RecommenderClientOptions>().Configure(configure)
            .Validate(options => options.Problem() is null, "RecommenderClientOptions are invalid: BaseAddress must be absolute, Timeout positive and no retry setting negative.");
        return services
            .AddHttpClient<RecommenderClient>((provider, http) => RecommenderClient.Configure(http, provider.GetRequiredService<IOptions<RecommenderClientOptions>>().Value))
            .AddHttpMessageHandler(provider => new RecommenderRetryHandler(provider.GetRequiredService<IOptions<RecommenderClientOptions>>().Value));
    }
}
