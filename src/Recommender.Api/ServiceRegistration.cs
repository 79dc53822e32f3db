using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Recommender.Api.OpenApi;
using Recommender.Api.Options;
using Recommender.Api.Startup;
using Recommender.Api.Training;
using Recommender.Core.Ranking;
using Recommender.Core.Training;
using Recommender.Data;

namespace Recommender.Api;

/// <summary>The service's registrations, one method per concern, called in order from Program.cs.</summary>
internal static class ServiceRegistration
{
    /// <summary>Binds every options section and validates it at start-up, so a bad value stops the service with its name.</summary>
    public static IServiceCollection AddRecommenderOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddStartupOptions<RatingsOptions, RatingsOptionsValidator>(RatingsOptions.SectionName);
        services.AddStartupOptions<RecommendationsOptions, RecommendationsOptionsValidator>(RecommendationsOptions.SectionName);
        services.AddStartupOptions<TrainingOptions, TrainingOptionsValidator>(TrainingOptions.SectionName);
        services.AddStartupOptions<RankingOptions, RankingOptionsValidator>(RankingOptions.SectionName);
        services.AddStartupOptions<ModelOptions, ModelOptionsValidator>(ModelOptions.SectionName);
        services.AddStartupOptions<DemoOptions>(DemoOptions.SectionName);
        services.AddStartupOptions<StoreOptions, StoreOptionsValidator>(StoreOptions.SectionName);
        services.AddStartupOptions<NodeOptions, NodeOptionsValidator>(NodeOptions.SectionName);
        services.AddStartupOptions<RedisOptions, RedisOptionsValidator>(RedisOptions.SectionName);
        return services;
    }

    /// <summary>
    /// The store: Store:Provider's database at ConnectionStrings:Recommender — by default a SQLite file beside the app.
    /// </summary>
    public static IServiceCollection AddRecommenderStore(this IServiceCollection services)
    {
        // Read when the container builds the options, so every configuration source (tests' included) is in place.
        services.AddDbContextFactory<RecommenderDbContext>(Configure);
        services.AddDbContext<RecommenderDbContext>(Configure, optionsLifetime: ServiceLifetime.Singleton);
        return services;

        static void Configure(IServiceProvider provider, DbContextOptionsBuilder options)
        {
            var configuration = provider.GetRequiredService<IConfiguration>();
            var store = provider.GetRequiredService<IOptions<StoreOptions>>().Value;
            if (store.Provider == StoreProvider.Postgres)
            {
                options.UseStore(StoreProvider.Postgres, configuration.GetConnectionString("Recommender")!);
                return;
            }

            var environment = provider.GetRequiredService<IHostEnvironment>();
            var connection = new SqliteConnectionStringBuilder(configuration.GetConnectionString("Recommender") ?? "Data Source=recommender.db");
            if (!connection.DataSource.StartsWith(':') && !connection.DataSource.StartsWith("file:", StringComparison.Ordinal))
            {
                // A relative file lives beside the app (the content root), wherever the process was started from.
                connection.DataSource = Path.GetFullPath(connection.DataSource, environment.ContentRootPath);
            }

            options.UseStore(StoreProvider.Sqlite, connection.ToString());
        }
    }

    /// <summary>The model store, the training pipeline and the background worker; the initializer runs first.</summary>
    public static IServiceCollection AddRecommenderTraining(this IServiceCollection services)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ModelStore>();
        services.AddSingleton<TrainingStatus>();
        services.AddSingleton<TrainingTrigger>();
        services.AddSingleton<FreshUsers>();
        services.AddSingleton<SnapshotStore>();
        services.AddSingleton<TrainerFactory>(_ => Trainers.Create);
        services.AddSingleton<RankingTrainerFactory>(_ => RankingTrainer.Fit);
        services.AddSingleton<ModelPublisher>();
        services.AddSingleton<TrainingPipeline>();
        services.AddSingleton<Drain>();
        services.AddHostedService(provider => provider.GetRequiredService<Drain>());
        services.AddSingleton<Cluster.ClusterDatabase>();
        services.AddSingleton<Cluster.TrainerLease>();
        services.AddSingleton<Cluster.FollowerSignal>();
        services.AddSingleton<Cluster.SnapshotCache>();
        services.AddSingleton<Cluster.ClusterFollower>();
        services.AddSingleton<Cluster.ClusterBus>();

        // Redis first (when set), so the first snapshot a node loads can come from its cache.
        services.AddHostedService(provider => provider.GetRequiredService<Cluster.ClusterBus>());
        services.AddHostedService<DatabaseInitializer>();
        services.AddHostedService(provider => provider.GetRequiredService<Cluster.ClusterFollower>());
        services.AddHostedService<TrainingWorker>();
        services.AddSingleton<Writes.StoreHealth>();
        services.AddSingleton<Writes.RatingWriter>();
        services.AddSingleton<Writes.ImportTracker>();
        services.AddHostedService(provider => provider.GetRequiredService<Writes.RatingWriter>());
        return services;
    }

    /// <summary>JSON, ProblemDetails, OpenAPI and health checks.</summary>
    public static IServiceCollection AddRecommenderHttp(this IServiceCollection services)
    {
        services.Configure<JsonOptions>(options =>
        {
            options.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
            options.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
        });
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.AddProblemDetails();
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(OpenApiSetup.Configure);
        services.AddHealthChecks()
            .AddCheck<ModelReadyHealthCheck>("model", tags: ["ready"])
            .AddCheck<Writes.StoreHealthCheck>("store", tags: ["ready"]);
        return services;
    }
}
