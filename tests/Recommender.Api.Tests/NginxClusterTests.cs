using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Recommender.Api.Tests;

/// <summary>
/// The deployment of the README's "Scaling out" with its real edge: two api replicas and two trainers on one PostgreSQL
/// database, behind nginx running the shipped <c>docker/nginx.conf</c> with its upstreams pointed at the replicas'
/// loopback ports. nginx is the binary <c>RECOMMENDER_TEST_NGINX</c> names (<c>.ci/run</c> installs Debian's).
/// </summary>
public sealed class NginxClusterTests
{
    /// <summary>A fact that needs PostgreSQL and the nginx binary that <c>RECOMMENDER_TEST_NGINX</c> names.</summary>
    public sealed class NginxFactAttribute : FactAttribute
    {
        public const string Variable = "RECOMMENDER_TEST_NGINX";

        public NginxFactAttribute() => Skip = !TestStore.IsPostgres
            ? "PostgreSQL and nginx only; this run's store is SQLite."
            : string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable)) ? $"nginx only: {Variable} names no nginx binary." : null;
    }

    [NginxFact]
    public async Task TwoReplicasAndTwoTrainersBehindNginx_ShareTheLoadAndAWrite_AndNginxRoutesAroundAStoppedReplica()
    {
        using var store = new StoreDirectory();
        var nodes = new List<RecommenderApp>();
        RecommenderApp Start(string role, string name, bool kestrel = false)
        {
            var node = ClusterTests.Node(store, role, name, poll: "00:00:00.200");
            nodes.Add(node);
            if (kestrel)
            {
                node.UseKestrel(0);
                node.StartServer();
            }

            return node;
        }

        try
        {
            var trainer = Start("trainer", "t1");
            Start("trainer", "t2");
            await trainer.WaitForModelAsync();
            var replicas = new[] { Start("api", "a1", kestrel: true), Start("api", "a2", kestrel: true) };
            var addresses = replicas.Select(r => new Uri(r.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First())).ToArray();
            using var nginx = NginxProcess.Start(addresses);
            using var edge = new HttpClient { BaseAddress = nginx.Address };
            var direct = replicas.Select(r => r.CreateClient()).ToArray();
            var clock = Stopwatch.StartNew();
            while (replicas.Any(r => r.Models.Current is null) || (await edge.GetAsync("/health/ready")).StatusCode != HttpStatusCode.OK)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the replicas never became ready behind nginx");
                await Task.Delay(50);
            }

            // Reads are spread over both replicas.
            var servedBy = new HashSet<string>();
            for (var n = 0; n < 12; n++)
            {
                using var response = await edge.GetAsync("/api/users/Hermione/recommendations?count=5");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                servedBy.Add(response.Headers.GetValues("X-Upstream").Single());
            }

            Assert.Equal(addresses.Select(a => $"127.0.0.1:{a.Port}").Order(), servedBy.Order());

            // A write through the edge reaches both replicas, read directly, within a second, on one version.
            var before = await TrainingTests.PredictAsync(direct[0], "Hermione", "Back in Black");
            clock.Restart();
            Assert.Equal(HttpStatusCode.OK, (await edge.PostAsJsonAsync("/api/ratings/batch", new
            {
                ratings = new object[]
                {
                    new { userId = "Hermione", itemId = "Another One Bites the Dust", rating = 5 },
                    new { userId = "Hermione", itemId = "Survivor", rating = 5 },
                    new { userId = "Hermione", itemId = "The Imperial March", rating = 5 },
                },
            })).StatusCode);
            foreach (var client in direct)
            {
                while (Math.Abs(await TrainingTests.PredictAsync(client, "Hermione", "Back in Black") - before) < 0.01)
                {
                    Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "the write never reached a replica");
                    await Task.Delay(10);
                }
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"both replicas saw the write after {clock.Elapsed.TotalMilliseconds:F0} ms");
            Assert.Equal(await TrainingTests.VersionAsync(direct[0]), await TrainingTests.VersionAsync(direct[1]));

            // One replica stops: nginx retries what it could not deliver on the other, and every request is answered.
            replicas[0].Dispose();
            for (var n = 0; n < 12; n++)
            {
                using var response = await edge.GetAsync("/api/users/Hermione/recommendations?count=5");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.EndsWith($":{addresses[1].Port}", response.Headers.GetValues("X-Upstream").Last(), StringComparison.Ordinal);
            }
        }
        finally
        {
            foreach (var node in nodes)
            {
                node.Dispose();
            }
        }
    }

    /// <summary>nginx in a temporary folder with the shipped configuration, on a free loopback port; stopped by its pid.</summary>
    private sealed class NginxProcess : IDisposable
    {
        private readonly Process _process;
        private readonly string _directory;

        private NginxProcess(Process process, string directory, Uri address) => (_process, _directory, Address) = (process, directory, address);

        public Uri Address { get; }

        /// <summary>
        /// Starts nginx over <paramref name="replicas"/>: <c>docker/nginx.conf</c> with its two upstream servers replaced by
        /// the replicas' addresses, its listen port by a free loopback one, its rate limit out of the way, and a response
        /// header naming the replica that answered.
        /// </summary>
        public static NginxProcess Start(IReadOnlyList<Uri> replicas)
        {
            var directory = Directory.CreateTempSubdirectory("nginx-").FullName;
            Directory.CreateDirectory(Path.Combine(directory, "logs"));
            var port = FreePort();
            var shipped = File.ReadAllText(Path.Combine(TelemetryTests.RepositoryRoot(), "docker", "nginx.conf"));
            var configuration = Replace(shipped, "server api1:8080", $"server 127.0.0.1:{replicas[0].Port}");
            configuration = Replace(configuration, "server api2:8080", $"server 127.0.0.1:{replicas[1].Port}");
            configuration = Replace(configuration, "listen 8080;", $"listen 127.0.0.1:{port};");
            configuration = Replace(configuration, "rate=300r/s", "rate=100000r/s");
            configuration = Replace(configuration, "proxy_next_upstream_timeout 10s;", "proxy_next_upstream_timeout 10s;\n    add_header X-Upstream $upstream_addr always;");
            var file = Path.Combine(directory, "nginx.conf");
            File.WriteAllText(file, configuration);
            var start = new ProcessStartInfo(Environment.GetEnvironmentVariable(NginxFactAttribute.Variable)!)
            {
                ArgumentList = { "-c", file, "-p", directory, "-g", $"daemon off; pid {directory}/nginx.pid; error_log {directory}/logs/error.log;" },
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            var process = Process.Start(start) ?? throw new InvalidOperationException("nginx did not start.");
            var nginx = new NginxProcess(process, directory, new Uri($"http://127.0.0.1:{port}"));
            var clock = Stopwatch.StartNew();
            while (!Accepts(port))
            {
                if (process.HasExited || clock.Elapsed > TimeSpan.FromSeconds(20))
                {
                    var log = Path.Combine(directory, "logs", "error.log");
                    var why = (process.HasExited ? process.StandardError.ReadToEnd() : "") + (File.Exists(log) ? File.ReadAllText(log) : "");
                    nginx.Dispose();
                    throw new InvalidOperationException($"nginx did not start listening on {port}: {why}");
                }

                Thread.Sleep(50);
            }

            return nginx;
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }

            _process.Dispose();
            Directory.Delete(_directory, recursive: true);
        }

        private static string Replace(string text, string what, string with) =>
            text.Contains(what, StringComparison.Ordinal)
                ? text.Replace(what, with, StringComparison.Ordinal)
                : throw new InvalidOperationException($"docker/nginx.conf no longer holds '{what}'; update this test with it.");

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        private static bool Accepts(int port)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }
    }
}
