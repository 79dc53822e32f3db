// Sustained mixed load against a running Recommender.Api on loopback, then a check that no acknowledged write was lost.
// Usage: Recommender.Soak BASE_URL SECONDS [WORKERS]   (X-API-Key from SOAK_API_KEY when set)
// The last line printed is always: requests N, 5xx N, lost writes N (before it, when there were any: when each 5xx came)
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

if (args.Length < 2 || !Uri.TryCreate(args[0], UriKind.Absolute, out var baseUrl) || !int.TryParse(args[1], CultureInfo.InvariantCulture, out var seconds) || seconds < 1)
{
    Console.Error.WriteLine("usage: Recommender.Soak BASE_URL SECONDS [WORKERS]");
    return 2;
}

if (!baseUrl.IsLoopback)
{
    Console.Error.WriteLine($"refusing {baseUrl}: the soak test only targets loopback addresses");
    return 2;
}

var workers = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 8;
using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = workers + 2 }) { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(60) };
if (Environment.GetEnvironmentVariable("SOAK_API_KEY") is { Length: > 0 } key)
{
    client.DefaultRequestHeaders.Add("X-API-Key", key);
}

var stats = new Stats();
var deadline = Stopwatch.StartNew();
var duration = TimeSpan.FromSeconds(seconds);
string[] demoUsers = ["Darth Vader", "Hermione", "Ripley", "Spock"];
string[] reads =
[
    "/api/users/{u}/recommendations", "/api/users/{u}/recommendations?strategy=neighbors", "/api/users/{u}/predictions/Firework",
    "/api/users/{u}/similar-users?count=3", "/api/model", "/api/ratings?userId={u}", "/api/items?pageSize=50", "/api/predictions?pageSize=10",
];

async Task<int> SendAsync(Func<Task<HttpResponseMessage>> send)
{
    var clock = Stopwatch.StartNew();
    try
    {
        using var response = await send();
        await response.Content.ReadAsByteArrayAsync();
        stats.Record((int)response.StatusCode, clock.Elapsed, deadline.Elapsed);
        return (int)response.StatusCode;
    }
    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
    {
        stats.Record(0, clock.Elapsed, deadline.Elapsed);
        return 0;
    }
}

// Each worker owns its users, writes to them one request at a time, and remembers the last value the service acknowledged.
var ledgers = Enumerable.Range(0, workers).Select(_ => new Dictionary<(string User, string Item), (double Value, bool Uncertain)>()).ToArray();
var tasks = Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
{
    var random = new Random(1000 + w);
    var ledger = ledgers[w];
    while (deadline.Elapsed < duration)
    {
        var dice = random.Next(100);
        if (dice < 50)
        {
            var url = reads[random.Next(reads.Length)].Replace("{u}", Uri.EscapeDataString(demoUsers[random.Next(demoUsers.Length)]), StringComparison.Ordinal);
            await SendAsync(() => client.GetAsync(url));
            continue;
        }

        var count = dice < 88 ? 1 : 5;
        var ratings = Enumerable.Range(0, count)
            .Select(_ => (User: $"soak-w{w}-u{random.Next(40)}", Item: $"item-{random.Next(300)}", Value: 0.5 + (random.Next(10) * 0.5)))
            .DistinctBy(r => (r.User, r.Item)).ToList();
        var status = ratings.Count == 1
            ? await SendAsync(() => client.PostAsJsonAsync("/api/ratings", new { userId = ratings[0].User, itemId = ratings[0].Item, rating = ratings[0].Value }))
            : await SendAsync(() => client.PostAsJsonAsync("/api/ratings/batch", new { ratings = ratings.Select(r => new { userId = r.User, itemId = r.Item, rating = r.Value }) }));
        foreach (var r in ratings)
        {
            // Only a 2xx says what is stored; after anything else the pair may hold either value.
            ledger[(r.User, r.Item)] = status is >= 200 and < 300 ? (r.Value, false) : (ledger.TryGetValue((r.User, r.Item), out var old) ? old.Value : double.NaN, true);
        }
    }
})).ToList();

// Retrain every 15 s (at least once, half-way through short runs) while the load runs.
tasks.Add(Task.Run(async () =>
{
    var every = TimeSpan.FromSeconds(Math.Min(15, Math.Max(1, seconds / 2)));
    for (var next = every; next < duration; next += every)
    {
        var wait = next - deadline.Elapsed;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        await SendAsync(() => client.PostAsync("/api/model/retrain", null));
        Interlocked.Increment(ref stats.Retrains);
    }
}));

await Task.WhenAll(tasks);
var elapsed = deadline.Elapsed;

// Every acknowledged write must be readable with its value.
var lost = 0;
var checkedPairs = 0;
foreach (var user in ledgers.SelectMany(l => l.Keys).Select(k => k.User).Distinct())
{
    var stored = new Dictionary<string, double>();
    for (var page = 1; ; page++)
    {
        var body = await client.GetFromJsonAsync<JsonElement>($"/api/ratings?userId={Uri.EscapeDataString(user)}&pageSize=100&page={page}");
        foreach (var rating in body.GetProperty("items").EnumerateArray())
        {
            stored[rating.GetProperty("itemId").GetString()!] = rating.GetProperty("rating").GetDouble();
        }

        if (page * 100 >= body.GetProperty("total").GetInt32())
        {
            break;
        }
    }

    foreach (var ((owner, item), (value, uncertain)) in ledgers.SelectMany(l => l).Where(e => e.Key.User == user))
    {
        if (uncertain)
        {
            continue;
        }

        checkedPairs++;
        if (!stored.TryGetValue(item, out var actual) || actual != value)
        {
            lost++;
            Console.Error.WriteLine($"lost: {owner}/{item} acknowledged {value}, stored {(stored.TryGetValue(item, out var s) ? s.ToString(CultureInfo.InvariantCulture) : "nothing")}");
        }
    }
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{elapsed.TotalSeconds:F1} s, {workers} workers, {stats.Requests / elapsed.TotalSeconds:F0} requests/s, p50 {stats.Percentile(0.5):F1} ms, p99 {stats.Percentile(0.99):F1} ms, max {stats.Percentile(1):F1} ms"));
Console.WriteLine($"status codes: {string.Join(", ", stats.ByStatus.OrderBy(s => s.Key).Select(s => $"{(s.Key == 0 ? "no answer" : s.Key.ToString(CultureInfo.InvariantCulture))} × {s.Value}"))}; retrains asked {stats.Retrains}; acknowledged pairs checked {checkedPairs}");
if (stats.ServerErrorTimes.Count > 0)
{
    Console.WriteLine($"5xx at seconds: {string.Join(" ", stats.ServerErrorTimes.Select(t => t.ToString("F2", CultureInfo.InvariantCulture)))}");
}

Console.WriteLine($"requests {stats.Requests}, 5xx {stats.ServerErrors}, lost writes {lost}");
return stats.ServerErrors == 0 && lost == 0 && !stats.ByStatus.ContainsKey(0) ? 0 : 1;

internal sealed class Stats
{
    private readonly Lock _lock = new();
    private readonly List<double> _milliseconds = [];

    public int Retrains;

    public Dictionary<int, int> ByStatus { get; } = [];

    public int Requests { get; private set; }

    public int ServerErrors { get; private set; }

    /// <summary>When each 5xx was answered, in seconds since the load started.</summary>
    public List<double> ServerErrorTimes { get; } = [];

    public void Record(int status, TimeSpan elapsed, TimeSpan at)
    {
        lock (_lock)
        {
            Requests++;
            ServerErrors += status >= 500 ? 1 : 0;
            if (status >= 500)
            {
                ServerErrorTimes.Add(at.TotalSeconds);
            }

            ByStatus[status] = ByStatus.GetValueOrDefault(status) + 1;
            _milliseconds.Add(elapsed.TotalMilliseconds);
        }
    }

    public double Percentile(double p)
    {
        lock (_lock)
        {
            if (_milliseconds.Count == 0)
            {
                return 0;
            }

            _milliseconds.Sort();
            var rank = (int)Math.Ceiling(p * _milliseconds.Count) - 1;
            return _milliseconds[Math.Clamp(rank, 0, _milliseconds.Count - 1)];
        }
    }
}
