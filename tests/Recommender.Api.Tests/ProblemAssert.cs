using System.Net;
using System.Text.Json;

namespace Recommender.Api.Tests;

internal static class ProblemAssert
{
    /// <summary>Asserts a ProblemDetails response with <paramref name="status"/> whose text mentions <paramref name="mentions"/>.</summary>
    public static async Task<JsonElement> IsProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? mentions = null)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.True(problem.TryGetProperty("title", out _));
        Assert.True(problem.TryGetProperty("type", out _), $"expected the problem to have a type: {body}");
        Assert.False(body.Contains("System.", StringComparison.Ordinal) || body.Contains('`'), $"the problem names a .NET type: {body}");
        if (mentions is not null)
        {
            Assert.True(body.Contains(mentions, StringComparison.OrdinalIgnoreCase), $"expected the problem to mention '{mentions}': {body}");
        }

        return problem;
    }
}
