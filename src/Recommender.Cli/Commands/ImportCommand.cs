using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Recommender.Cli.Commands;

/// <summary>
/// <c>import --url URL --input FILE</c>: streams a rating file to a running service's <c>POST /api/ratings/import</c>
/// (the service parses it, so any format it reads works) and reports what was stored.
/// </summary>
internal static class ImportCommand
{
    public static int Run(CommandLine options, TextWriter output, TextWriter error)
    {
        var url = options.RequiredString("--url");
        var input = options.RequiredString("--input");
        var format = options.String("--format") ?? "auto";
        var apiKey = options.String("--api-key") ?? Environment.GetEnvironmentVariable("RECOMMENDER_API_KEY");
        options.EnsureAllRead();
        if (!Uri.TryCreate(url, UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
        {
            throw new UsageException($"--url must be an absolute http(s) URL, not '{url}'.");
        }

        var endpoint = new Uri(baseUri, $"/api/ratings/import?format={Uri.EscapeDataString(format)}");
        using var client = new HttpClient { Timeout = TimeSpan.FromHours(1) };
        using var file = File.OpenRead(input);
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
            output.WriteLine($"imported         {root.GetProperty("imported").GetInt64():N0} ratings of {root.GetProperty("users").GetInt32():N0} users");
            output.WriteLine($"server seconds   {Output.F(root.GetProperty("seconds").GetDouble(), "F3")}");
            output.WriteLine($"total seconds    {Output.F(clock.Elapsed.TotalSeconds, "F3")} (upload, parse and commit)");
            return 0;
        }
    }
}
