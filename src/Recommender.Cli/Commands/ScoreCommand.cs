using System.Text.Json;
using Recommender.Core.Data;
using Recommender.Core.Evaluation;

namespace Recommender.Cli.Commands;

/// <summary>
/// <c>score --url URL --train FILE --test FILE</c>: what a frontend gets, scored. For every test user with a relevant
/// item, asks a running service (trained on the training file) for their recommendations over HTTP, and scores the
/// lists by <c>evaluate</c>'s protocol: precision@k, recall@k and NDCG@k, relevant = a test rating ≥ 4.
/// </summary>
internal static class ScoreCommand
{
    public static int Run(CommandLine options, TextWriter output, TextWriter error)
    {
        var url = options.RequiredString("--url");
        var trainPath = options.RequiredString("--train");
        var testPath = options.RequiredString("--test");
        var strategy = options.String("--strategy");
        var count = options.Int("--count") ?? 10;
        var apiKey = options.String("--api-key") ?? Environment.GetEnvironmentVariable("RECOMMENDER_API_KEY");
        var json = options.Flag("--json");
        options.EnsureAllRead();
        if (!Uri.TryCreate(url, UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
        {
            throw new UsageException($"--url must be an absolute http(s) URL, not '{url}'.");
        }

        if (count is < 1 or > 100)
        {
            throw new UsageException("--count must be between 1 and 100.");
        }

        var (train, test) = EvaluateCommand.LoadPair(trainPath, testPath);
        // The maps grew with the test file's ids; like evaluate, only the training file's users and items count.
        var trainUsers = new IdMap(train.Users.Ids.Take(train.UserIndices.Max() + 1));
        var trainItems = new IdMap(train.Items.Ids.Take(train.ItemIndices.Max() + 1));
        using var client = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromMinutes(1) };
        if (!string.IsNullOrEmpty(apiKey))
        {
            client.DefaultRequestHeaders.Add("X-API-Key", apiKey);
        }

        var service = new ServiceRecommender(client, trainUsers, trainItems, strategy);
        double precision, recall, ndcg;
        int users;
        try
        {
            (precision, recall, ndcg, users) = Evaluator.Ranking(service, test, count);
        }
        catch (HttpRequestException e)
        {
            error.WriteLine($"error: could not reach {baseUri}: {e.Message}");
            return 1;
        }

        output.WriteLine($"strategy         {strategy ?? "(the service's default)"}, ranked by {string.Join(", ", service.RankedBy)}");
        output.WriteLine($"precision@{count,-7}{Output.F(precision)}");
        output.WriteLine($"recall@{count,-10}{Output.F(recall)}");
        output.WriteLine($"NDCG@{count,-12}{Output.F(ndcg)}  ({users:N0} users with a relevant test item, {service.Requests:N0} requests)");
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(new
            {
                precisionAt10 = precision,
                recallAt10 = recall,
                ndcgAt10 = ndcg,
                users,
                count,
                strategy,
                rankedBy = service.RankedBy,
            }));
        }

        return 0;
    }

    /// <summary>The service's recommendations as an <see cref="ITopNRecommender"/> over the training file's ids.</summary>
    private sealed class ServiceRecommender(HttpClient client, IdMap users, IdMap items, string? strategy) : ITopNRecommender
    {
        public IdMap Users => users;

        public IdMap Items => items;

        public int Requests { get; private set; }

        public SortedSet<string> RankedBy { get; } = new(StringComparer.Ordinal);

        public IReadOnlyList<int> TopItems(int userIndex, int count)
        {
            var path = $"/api/users/{Uri.EscapeDataString(users.GetId(userIndex))}/recommendations?count={count}"
                + (strategy is null ? "" : $"&strategy={Uri.EscapeDataString(strategy)}");
            using var response = client.Send(new HttpRequestMessage(HttpMethod.Get, path));
            var body = new StreamReader(response.Content.ReadAsStream()).ReadToEnd();
            Requests++;
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"GET {path} answered {(int)response.StatusCode}: {body}");
            }

            using var document = JsonDocument.Parse(body);
            RankedBy.Add(document.RootElement.GetProperty("rankedBy").GetString() ?? "?");
            return document.RootElement.GetProperty("items").EnumerateArray()
                .Select(i => items.IndexOf(i.GetProperty("itemId").GetString()!))
                .Where(i => i >= 0)
                .ToList();
        }
    }
}
