using System.Net;
using System.Net.Http.Json;

namespace Recommender.Api.Tests;

/// <summary>The real service binary in the Production environment, configured only by environment variables.</summary>
public sealed class ProductionProcessTests : IDisposable
{
    private const string Key = "ci-writer-0b7e29d4c6a1f853";

    private readonly string _directory = Directory.CreateTempSubdirectory("recommender-production-").FullName;
    private readonly TestStore _store;

    public ProductionProcessTests() => _store = TestStore.Create(_directory, "production");

    public void Dispose()
    {
        _store.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private Dictionary<string, string> Environment(Dictionary<string, string>? more = null)
    {
        var environment = new Dictionary<string, string>(_store.Environment)
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Model__Directory"] = Path.Combine(_directory, "models"),
            ["Training__TrainOnStart"] = "false",
        };
        foreach (var (key, value) in more ?? [])
        {
            environment[key] = value;
        }

        return environment;
    }

    [Fact]
    public async Task Production_RefusesToStart_WithOneLineNamingTheSettings_WhenNoKeysAreConfigured()
    {
        using var service = await ServiceProcess.RunToExitAsync(Environment());

        Assert.Equal(1, service.ExitCode);
        var line = Assert.Single(service.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(line, service.Errors);
        Assert.Contains("Auth:Keys", line, StringComparison.Ordinal);
        Assert.Contains("Auth:AllowAnonymous", line, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Training__Epochs", "many", "Training:Epochs")]
    [InlineData("Training__Epochz", "5", "Epochz")]
    [InlineData("Ratings__MaxBatchSize", "0", "Ratings:MaxBatchSize")]
    [InlineData("Store__Provider", "Oracle", "Store:Provider")]
    public async Task InvalidSetting_StopsStartUpWithOneLineNamingTheKey_AndNoStackTrace(string variable, string value, string named)
    {
        using var service = await ServiceProcess.RunToExitAsync(Environment(new() { ["Auth__AllowAnonymous"] = "true", [variable] = value }));

        Assert.Equal(1, service.ExitCode);
        var line = Assert.Single(service.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(named, line, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostgresStore_WithAConnectionStringThatIsNotPostgres_StopsStartUpNamingBothSettings_AndNotThePassword()
    {
        const string Password = "not-for-any-log-5e0c2a";
        using var service = await ServiceProcess.RunToExitAsync(Environment(new()
        {
            ["Auth__AllowAnonymous"] = "true",
            ["Store__Provider"] = "Postgres",
            ["ConnectionStrings__Recommender"] = $"Data Source=recommender.db;Password={Password}",
        }));

        Assert.Equal(1, service.ExitCode);
        var line = Assert.Single(service.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("ConnectionStrings:Recommender", line, StringComparison.Ordinal);
        Assert.Contains("Store:Provider", line, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, line, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Production_ReadsItsSettingsServesTheDashboardAndKeepsItsFilesBesideTheApp_WhenStartedFromAnotherFolder()
    {
        var name = $"app-folder-{Guid.NewGuid():N}";
        var beside = Path.Combine(AppContext.BaseDirectory, name);
        var workingDirectory = Directory.CreateDirectory(Path.Combine(_directory, "elsewhere")).FullName;
        try
        {
            // Relative paths, as in appsettings.json: they are resolved against the app's folder, not the working directory.
            // (A PostgreSQL store is no file: there only the snapshots' folder is relative.)
            var settings = new Dictionary<string, string>
            {
                ["Auth__AllowAnonymous"] = "true",
                ["Model__Directory"] = $"{name}-models",
                ["Training__TrainOnStart"] = "true",
            };
            if (!TestStore.IsPostgres)
            {
                settings["ConnectionStrings__Recommender"] = $"Data Source={name}.db";
            }

            using var service = await ServiceProcess.StartAsync(Environment(settings), workingDirectory);
            await service.WaitForLineAsync(line => line.Contains("Published version 1", StringComparison.Ordinal));
            using var client = service.CreateClient();
            var page = await client.GetAsync("/");

            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Contains("<script type=\"module\" src=\"js/main.js\">", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/js/main.js")).StatusCode);
            // appsettings.json's console template: without it Serilog has no sink and the service prints nothing.
            Assert.Matches(@"\[\d\d:\d\d:\d\d INF\] Recommender\.Api\.Training\.ModelPublisher: Published version 1", service.Output);
            Assert.True(TestStore.IsPostgres || File.Exists(beside + ".db"), "the database is not beside the app");
            Assert.NotEmpty(Directory.GetFiles(beside + "-models", "model-*.bin"));
            Assert.Empty(Directory.GetFileSystemEntries(workingDirectory));
        }
        finally
        {
            foreach (var file in Directory.GetFiles(AppContext.BaseDirectory, name + ".db*"))
            {
                File.Delete(file);
            }

            if (Directory.Exists(beside + "-models"))
            {
                Directory.Delete(beside + "-models", recursive: true);
            }
        }
    }

    [Fact]
    public async Task Production_WritesItsLogToAFile_WhenSerilogWriteToAddsTheFileSink()
    {
        // The README's file-log recipe, as environment variables: the file sink ships with Serilog.AspNetCore.
        using var service = await ServiceProcess.StartAsync(Environment(new()
        {
            ["Auth__AllowAnonymous"] = "true",
            ["Serilog__WriteTo__1__Name"] = "File",
            ["Serilog__WriteTo__1__Args__path"] = Path.Combine(_directory, "logs", "recommender-.log"),
            ["Serilog__WriteTo__1__Args__rollingInterval"] = "Day",
        }));
        service.Kill();

        // Every event goes to the console, then to the file: the warning came before the "listening" line awaited above.
        var file = Assert.Single(Directory.GetFiles(Path.Combine(_directory, "logs"), "recommender-*.log"));
        using var reader = new StreamReader(new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
        Assert.Contains("NO API KEYS ARE CONFIGURED", await reader.ReadToEndAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Production_TakesKeysFromEnvironmentVariables_AndNeverPrintsThem()
    {
        using var service = await ServiceProcess.StartAsync(Environment(new()
        {
            ["Auth__Keys__0__Name"] = "ci",
            ["Auth__Keys__0__Key"] = Key,
            ["Auth__Keys__0__Role"] = "write",
            ["Serilog__MinimumLevel__Default"] = "Debug",
            ["Serilog__MinimumLevel__Override__Microsoft.AspNetCore"] = "Debug",
        }));
        using var client = service.CreateClient();

        await ProblemAssert.IsProblemAsync(await client.PostAsJsonAsync("/api/ratings", new { userId = "ann", itemId = "song", rating = 4 }), HttpStatusCode.Unauthorized, "'write' role");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/ratings") { Content = JsonContent.Create(new { userId = "ann", itemId = "song", rating = 4 }) };
        request.Headers.Add("X-API-Key", Key);
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(request)).StatusCode);
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/api/ratings");
        wrong.Headers.Add("X-API-Key", Key + "0");
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(wrong)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/ratings")).StatusCode);

        service.Kill();
        Assert.Contains("API keys configured: ci", service.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, service.Output, StringComparison.Ordinal);
    }
}
