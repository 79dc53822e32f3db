using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Recommender.Cli.Commands;

/// <summary>
/// <c>import --url URL --input FILE</c>: streams a rating file to a running service's <c>POST /api/ratings/import</c>
/// (the service parses it, so any format it reads works) and reports what was stored; <c>--items FILE</c> streams an
/// item catalogue (<c>movies.csv</c>: itemId,name[,more]) to <c>POST /api/items/import</c> instead.
/// </summary>
internal static class ImportCommand
{
    public static int Run(CommandLine options, TextWriter output, TextWriter error)
    {
        var url = options.RequiredString("--url");
        var ratings = options.String("--input");
        var items = options.String("--items");
        var format = options.String("--format");
        var apiKey = options.String("--api-key") ?? Environment.GetEnvironmentVariable("RECOMMENDER_API_KEY");
        options.EnsureAllRead();
        if ((ratings is null) == (items is null))
        {
            throw new UsageException("give either --input FILE (ratings) or --items FILE (an item catalogue).");
        }

        if (items is not null && format is not null)
        {
            throw new UsageException("--format applies to rating files (--input) only.");
        }
        if (!Uri.TryCreate(url, UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
        {
            throw new UsageException($"--url must be an absolute http(s) URL, not '{url}'.");
        }

        var endpoint = new Uri(baseUri, items is null ? $"/api/ratings/import?format={Uri.EscapeDataString(format ?? "auto")}" : "/api/items/import");
        using var client = new HttpClient { Timeout = TimeSpan.FromHours(1) };
        using var file = File.OpenRead(ratings ?? items!);
        using var content = new StreamContent(file, 1 << 16);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = content };
        if (!string.IsNullOrEmpty(apiKey))
        {
            request.Headers.Add("X-API-Key", apiKey);
        }

        var clock = Stopwatch.StartNew();
        HttpResponseMessage response;
        try
        {
            response = client.Send(request);
        }
        catch (HttpRequestException e)
        {
            error.WriteLine($"error: could not reach {endpoint}: {e.Message}");
            return 1;
        }

        using (response)
        {
            var body = new StreamReader(response.Content.ReadAsStream()).ReadToEnd();
            if (!response.IsSuccessStatusCode)
            {
                error.WriteLine($"error: {(int)response.StatusCode} {response.ReasonPhrase}: {body}");
                return 1;
            }

            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            output.WriteLine(items is null
                ? $"imported         {root.GetProperty("imported").GetInt64():N0} ratings of {root.GetProperty("users").GetInt32():N0} users"
                : $"imported         {root.GetProperty("imported").GetInt64():N0} items");
            output.WriteLine($"server seconds   {Output.F(root.GetProperty("seconds").GetDouble(), "F3")}");
            output.WriteLine($"total seconds    {Output.F(clock.Elapsed.TotalSeconds, "F3")} (upload, parse and commit)");
            return 0;
        }
    }
}
