using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Recommender.Api.Tests.Contract;
using Recommender.Api.Training;

namespace Recommender.Api.Tests;

/// <summary>
/// The service on a private store (<see cref="TestStore"/>: a SQLite file, or a PostgreSQL database of its own) and
/// snapshot folder, with the schedule off (no interval, no debounce):
/// training happens at start-up and when a test asks for it. The environment is "Testing", which the service treats
/// like Development (no API keys configured: open, with a warning); rate limiting is off unless a test turns it on.
/// Every client it hands out checks each response against the app's own OpenAPI document (<see cref="ContractCheckingHandler"/>).
/// </summary>
public sealed class RecommenderApp : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;
    private readonly bool _ownsStore;
    private readonly string _environment;
    private readonly Lazy<Task<OpenApiContract>> _contract;

    public RecommenderApp(
        bool demo = true, Dictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null, StoreDirectory? store = null, string environment = "Testing")
    {
        _environment = environment;
        _contract = new(FetchContractAsync);
        _ownsStore = store is null;
        Directory = store?.Path ?? System.IO.Directory.CreateTempSubdirectory("recommender-api-").FullName;
        Store = store?.Store ?? TestStore.Create(Directory);
        _services = services;
        _settings = new Dictionary<string, string?>(Store.Settings)
        {
            ["Model:Directory"] = Path.Combine(Directory, "models"),
            ["Training:Interval"] = "00:00:00",
            ["Training:Debounce"] = "00:00:00",
            ["Demo:Seed"] = demo ? "true" : "false",
            ["Serilog:MinimumLevel:Default"] = "Warning",
            ["RateLimits:Enabled"] = "false",
        };
        foreach (var (key, value) in settings ?? [])
        {
            _settings[key] = value;
        }
    }

    /// <summary>The folder of the app's snapshots (and, on SQLite, of its database).</summary>
    public string Directory { get; }

    /// <summary>The app's store.</summary>
    internal TestStore Store { get; }

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(_environment);
        builder.ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(_settings));
        // What Program reads while it registers services (Telemetry:*) must be visible before the app is built, as
        // environment variables and appsettings.json are; the in-memory collection above only applies at Build.
        foreach (var (key, value) in _settings.Where(s => s.Key.StartsWith("Telemetry:", StringComparison.Ordinal)))
        {
            builder.UseSetting(key, value);
        }
        if (_services is not null)
        {
            builder.ConfigureServices(_services);
        }
    }

    /// <summary>A client of the app (TestServer, or Kestrel after <c>UseKestrel</c>) whose responses are checked against its OpenAPI document.</summary>
    public new HttpClient CreateClient() => CreateClient(ClientOptions);

    /// <inheritdoc cref="CreateClient()"/>
    public new HttpClient CreateClient(WebApplicationFactoryClientOptions options)
    {
        var inner = base.CreateClient(options);
        _ = _contract.Value; // Fetched now, while the app is surely up: a test may stop it before its first response.
        return new HttpClient(new ContractCheckingHandler(() => _contract.Value) { InnerHandler = new ForwardingHandler(inner) })
        {
            BaseAddress = inner.BaseAddress,
        };
    }

    /// <summary>The OpenAPI document the app serves, once per app.</summary>
    internal Task<OpenApiContract> ContractAsync() => _contract.Value;

    private async Task<OpenApiContract> FetchContractAsync()
    {
        using var client = base.CreateClient();
        return new OpenApiContract(await client.GetStringAsync("/swagger/v1/swagger.json"));
    }

    /// <summary>
    /// The exception with which an app from <paramref name="create"/> fails to start. WebApplicationFactory can lose that
    /// exception to a race with the failed host's disposal and throw <see cref="ObjectDisposedException"/> instead
    /// (dotnet/aspnetcore#33494 and its kin); a fresh app is then started again, at most five times.
    /// </summary>
    public static Exception StartUpFailure(Func<RecommenderApp> create)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var app = create();
            var error = Assert.ThrowsAny<Exception>(() => app.CreateClient());
            if (error is not ObjectDisposedException || attempt == 5)
            {
                return error;
            }
        }
    }

    public ModelStore Models => Services.GetRequiredService<ModelStore>();

    public TrainingStatus Status => Services.GetRequiredService<TrainingStatus>();

    /// <summary>Waits (without sleeping) until a model is serving and the run that published it has finished.</summary>
    public async Task<ServingModel> WaitForModelAsync()
    {
        var next = Models.NextPublicationAsync(CancellationToken.None);
        var model = Models.Current ?? await next.WaitAsync(TimeSpan.FromSeconds(60));
        await Status.WhenIdleAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
        return model;
    }

    /// <summary>Asks for a retrain and waits for the run to finish; returns its outcome.</summary>
    public async Task<TrainingOutcome> RetrainAsync(HttpClient client)
    {
        var finished = Status.NextRunAsync(CancellationToken.None);
        var response = await client.PostAsync("/api/model/retrain", null);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        return await finished.WaitAsync(TimeSpan.FromSeconds(60));
    }

    public static async Task<T> ReadAsync<T>(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<T>(Json))!;

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        Store.ReleaseConnections();
        if (disposing && _ownsStore)
        {
            Store.Dispose();
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
