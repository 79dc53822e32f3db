using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Recommender.Api.Endpoints;

/// <summary>
/// Route values of path parameters are decoded from the raw request target, each segment percent-decoded exactly
/// once as UTF-8, so any id a client writes in a body (<c>a/b</c>, <c>50%</c>, <c>%2F</c>) is addressed by
/// <c>encodeURIComponent(id)</c> in a path and by nothing else.
/// </summary>
/// <remarks>
/// The server decodes the path before routing except for <c>%2F</c>, which it leaves encoded so that it cannot split a
/// segment. A route value is then ambiguous: <c>a%2Fb</c> may have been sent as <c>a%2Fb</c> (the id <c>a/b</c>) or as
/// <c>a%252Fb</c> (the id <c>a%2Fb</c>). Only the raw target tells them apart. Dot segments (<c>.</c>, <c>..</c>,
/// also encoded as <c>%2E</c>) are resolved by browsers and servers before routing, so the ids <c>.</c> and <c>..</c>
/// are refused when written (<see cref="Validation.IdProblem"/>) and a path that still holds one is refused here.
/// </remarks>
internal static class PathIds
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static IApplicationBuilder UsePathIds(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.GetEndpoint() is RouteEndpoint { RoutePattern.Parameters.Count: > 0 } endpoint
            && Decode(context, endpoint.RoutePattern) is { } problem)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await Results.ValidationProblem(problem, title: "The request is invalid.").ExecuteAsync(context);
            return;
        }

        await next(context);
    });

    /// <summary>Replaces the route values of <paramref name="pattern"/>'s parameters by their exact decoding; the errors, or null.</summary>
    /// <remarks>Allocation-free unless a parameter's segment holds a <c>%</c>: otherwise the server's value is the segment.</remarks>
    private static Dictionary<string, string[]>? Decode(HttpContext context, RoutePattern pattern)
    {
        if (RawPath(context) is not { } raw)
        {
            return null; // A host without a raw target (the in-memory test server): the server's decoding stands.
        }

        var path = raw.AsSpan();
        if (path.Length > 1 && path[^1] == '/')
        {
            path = path[..^1];
        }

        var skip = context.Request.PathBase.HasValue ? context.Request.PathBase.Value.AsSpan().Count('/') : 0;
        if (path.Count('/') - skip != pattern.PathSegments.Count)
        {
            return new Dictionary<string, string[]>
            {
                ["path"] = ["The path has an empty, '.' or '..' segment. Percent-encode every id in a path (encodeURIComponent); the ids '.' and '..' do not exist."],
            };
        }

        // Segment n of the pattern is what follows the (skip + n + 1)-th slash of the raw path.
        var segments = path.Split('/');
        segments.MoveNext();
        for (var n = 0; n < skip; n++)
        {
            segments.MoveNext();
        }

        for (var n = 0; n < pattern.PathSegments.Count && segments.MoveNext(); n++)
        {
            var segment = path[segments.Current];
            if (pattern.PathSegments[n].Parts is not [RoutePatternParameterPart parameter] || !segment.Contains('%'))
            {
                continue;
            }

            if (PercentDecode(segment.ToString()) is not { } decoded)
            {
                return new Dictionary<string, string[]> { [parameter.Name] = [$"{parameter.Name} is not valid UTF-8 once percent-decoded."] };
            }

            context.Request.RouteValues[parameter.Name] = decoded;
        }

        return null;
    }

    /// <summary>The raw path of the request target (origin form; the path of an absolute form), without its query.</summary>
    private static string? RawPath(HttpContext context)
    {
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(target))
        {
            return null;
        }

        if (!target.StartsWith('/'))
        {
            var scheme = target.IndexOf("://", StringComparison.Ordinal);
            var path = scheme < 0 ? -1 : target.IndexOf('/', scheme + 3);
            if (path < 0)
            {
                return null;
            }

            target = target[path..];
        }

        var query = target.IndexOfAny(['?', '#']);
        return query < 0 ? target : target[..query];
    }

    /// <summary>Percent-decodes one segment into UTF-8 text, or null when the bytes are not valid UTF-8.</summary>
    internal static string? PercentDecode(string segment)
    {
        if (!segment.Contains('%'))
        {
            return segment;
        }

        var bytes = new List<byte>(segment.Length);
        Span<byte> encoded = stackalloc byte[4];
        for (var n = 0; n < segment.Length; n++)
        {
            if (segment[n] == '%' && n + 2 < segment.Length && IsHex(segment[n + 1]) && IsHex(segment[n + 2]))
            {
                bytes.Add(Convert.ToByte(segment.Substring(n + 1, 2), 16));
                n += 2;
            }
            else
            {
                var length = char.IsHighSurrogate(segment[n]) && n + 1 < segment.Length
                    ? Encoding.UTF8.GetBytes(segment.AsSpan(n++, 2), encoded)
                    : Encoding.UTF8.GetBytes(segment.AsSpan(n, 1), encoded);
                bytes.AddRange(encoded[..length]);
            }
        }

        try
        {
            return StrictUtf8.GetString([.. bytes]);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);
}
