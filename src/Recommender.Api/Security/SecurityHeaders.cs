namespace Recommender.Api.Security;

/// <summary>
/// Headers that make browsers treat responses strictly: no MIME sniffing, no framing, no referrer, and a
/// Content-Security-Policy. HTML pages (the dashboard, Swagger UI) may load scripts, styles, images and data only from this
/// origin and run no inline script; every other response may load nothing at all.
/// </summary>
internal static class SecurityHeaders
{
    /// <summary>For HTML: scripts only from files on this origin (no inline script, no eval); inline styles are allowed.</summary>
    public const string PagePolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>For JSON and everything else: a response that is not a page needs nothing.</summary>
    public const string ApiPolicy = "default-src 'none'; frame-ancestors 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var response = context.Response;
        response.OnStarting(() =>
        {
            var headers = response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            var html = response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true;
            headers.ContentSecurityPolicy = html ? PagePolicy : ApiPolicy;
            return Task.CompletedTask;
        });
        return next(context);
    });
}
