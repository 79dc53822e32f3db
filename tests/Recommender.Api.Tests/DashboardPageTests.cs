using System.Net;
using System.Text.RegularExpressions;

namespace Recommender.Api.Tests;

/// <summary>The dashboard's files as the service serves them; no browser needed (DashboardTests drives one).</summary>
public sealed partial class DashboardPageTests : IDisposable
{
    private readonly RecommenderApp _app = new(demo: false);

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task Root_ServesTheDashboard_WithAStrictContentSecurityPolicyAndNoInlineScript()
    {
        using var client = _app.CreateClient();

        var response = await client.GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("script-src 'self'", html);
        Assert.Contains("""<script type="module" src="js/main.js"></script>""", html);
        Assert.DoesNotMatch(InlineHandler(), html);
        Assert.DoesNotMatch(InlineStyleAttribute(), html);
        Assert.All(ScriptTags().Matches(html), tag => Assert.Contains("src=", tag.Value));
    }

    [Fact]
    public async Task DashboardModules_AreServedAsJavaScript_AndImportOnlyServedModules()
    {
        using var client = _app.CreateClient();
        var pending = new Queue<string>(["js/main.js"]);
        var seen = new HashSet<string>();

        while (pending.TryDequeue(out var path))
        {
            if (!seen.Add(path))
            {
                continue;
            }

            var response = await client.GetAsync("/" + path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path} answered {(int)response.StatusCode}");
            Assert.Equal("text/javascript", response.Content.Headers.ContentType?.MediaType);
            var script = await response.Content.ReadAsStringAsync();
            foreach (Match import in ModuleImport().Matches(script))
            {
                pending.Enqueue("js/" + import.Groups[1].Value);
            }
        }

        Assert.Contains("js/api.js", seen);
        Assert.True(seen.Count >= 5, $"only {string.Join(", ", seen)} were imported");
    }

    [GeneratedRegex(@"\son[a-z]+\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex InlineHandler();

    [GeneratedRegex(@"\sstyle\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex InlineStyleAttribute();

    [GeneratedRegex(@"<script\b[^>]*>")]
    private static partial Regex ScriptTags();

    [GeneratedRegex(@"from '\./([a-z-]+\.js)'")]
    private static partial Regex ModuleImport();
}
