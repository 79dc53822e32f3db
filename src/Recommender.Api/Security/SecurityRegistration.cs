using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Recommender.Api.Options;
using Serilog.AspNetCore;

namespace Recommender.Api.Security;

/// <summary>API keys, rate limits, body limits, timeouts, CORS and security headers: registered and wired in one place.</summary>
internal static class SecurityRegistration
{
    public const string CorsPolicyName = "configured-origins";

    public static IServiceCollection AddRecommenderSecurity(this IServiceCollection services)
    {
        services.AddStartupOptions<AuthOptions, AuthOptionsValidator>(AuthOptions.SectionName);
        services.AddStartupOptions<LimitsOptions, LimitsOptionsValidator>(LimitsOptions.SectionName);
        services.AddStartupOptions<RateLimitOptions, RateLimitOptionsValidator>(RateLimitOptions.SectionName);
        services.AddStartupOptions<CrossOriginOptions, CrossOriginOptionsValidator>(CrossOriginOptions.SectionName);

        services.AddSingleton<ApiKeyStore>();
        services.AddSingleton<CachingLoggerFactory>();
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorization(options =>
        {
            options.AddPolicy(ApiKeyPolicies.Api, p => p.AddRequirements(new ApiKeyRequirement(null)));
            options.AddPolicy(ApiKeyPolicies.Write, p => p.AddRequirements(new ApiKeyRequirement(ApiKeyRole.Write)));
            options.AddPolicy(ApiKeyPolicies.Admin, p => p.AddRequirements(new ApiKeyRequirement(ApiKeyRole.Admin)));
            // An endpoint mapped without a policy still needs the write role for anything but GET, HEAD and OPTIONS;
            // its reads stay open (static pages cannot send a key).
            options.FallbackPolicy = new AuthorizationPolicyBuilder().AddRequirements(new ApiKeyRequirement(null, ReadsFollowOptions: false)).Build();
        });
        services.AddSingleton<IAuthorizationHandler, ApiKeyRequirementHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResultHandler>();
        services.AddHostedService<SecurityStartupReport>();
        services.ConfigureSwaggerGen(ApiKeyOpenApi.Configure);

        services.AddCors();
        services.AddOptions<Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions>().Configure<IOptions<CrossOriginOptions>>((cors, origins) =>
            cors.AddPolicy(CorsPolicyName, policy => policy
                .WithOrigins([.. origins.Value.Origins])
                .WithMethods("GET", "POST", "PUT", "DELETE")
                .WithHeaders("Content-Type", ApiKeyAuthenticationHandler.HeaderName)
                .WithExposedHeaders("Location", "Retry-After")));
        // Request log lines name the API key that made the request (its name, never the key). They go to this host's
        // logger: Serilog's middleware would otherwise write to the static Log.Logger, which the last host built owns.
        services.AddOptions<RequestLoggingOptions>().Configure<Serilog.ILogger>((options, logger) =>
        {
            options.Logger = logger;
            options.EnrichDiagnosticContext = (diagnostics, context) =>
                diagnostics.Set("ApiKeyName", context.User.Identity is { IsAuthenticated: true, Name: { } name } ? name : "(none)");
        });
        services.AddRecommenderRateLimiting();
        services.AddRecommenderRequestLimits();
        services.AddInputProblems();
        return services;
    }

    /// <summary>CORS, then who is calling (API key), then how often (rate limit), then whether they may (roles), then body size and time limits.</summary>
    public static WebApplication UseRecommenderSecurity(this WebApplication app)
    {
        app.UseCors(CorsPolicyName);
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        app.UseRequestBodyLimit();
        app.UseRequestTimeouts();
        return app;
    }

}

/// <summary>Says at start-up how requests are protected, loudly when they are not.</summary>
internal sealed class SecurityStartupReport(
    ApiKeyStore keys, IOptions<AuthOptions> auth, IOptions<RateLimitOptions> rateLimits, IHostEnvironment environment, ILogger<SecurityStartupReport> logger)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (keys.IsOpen)
        {
            logger.LogWarning(
                "NO API KEYS ARE CONFIGURED (Auth:Keys): every endpoint, writes and model administration included, is open to anyone who can reach this service. " +
                "Allowed because {Reason}; configure Auth:Keys before exposing it.",
                auth.Value.AllowAnonymous ? "Auth:AllowAnonymous is true" : $"the environment is {environment.EnvironmentName}");
        }
        else
        {
            logger.LogInformation(
                "API keys configured: {Keys}; reads {Reads}",
                string.Join(", ", keys.Names), auth.Value.RequireKeyForReads ? "need a key with the read role" : "are open");
        }

        if (!rateLimits.Value.Enabled)
        {
            logger.LogInformation("Rate limiting is off (RateLimits:Enabled=false)");
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
