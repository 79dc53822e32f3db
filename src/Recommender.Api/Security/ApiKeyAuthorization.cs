using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Mvc;
using Recommender.Api.Options;

namespace Recommender.Api.Security;

/// <summary>
/// Needs <see cref="Role"/>, or, when that is null, a role chosen by the request's method: safe methods (GET, HEAD,
/// OPTIONS) need read, any other write. Reads pass without a key unless <see cref="ReadsFollowOptions"/> and
/// Auth:RequireKeyForReads are both set. A key that was sent must be valid even where none is needed.
/// </summary>
internal sealed record ApiKeyRequirement(ApiKeyRole? Role, bool ReadsFollowOptions = true) : IAuthorizationRequirement
{
    public ApiKeyRole RoleFor(HttpContext? context) =>
        Role ?? (context is null || IsSafe(context.Request.Method) ? ApiKeyRole.Read : ApiKeyRole.Write);

    private static bool IsSafe(string method) => HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method);
}

internal sealed class ApiKeyRequirementHandler(ApiKeyStore keys) : AuthorizationHandler<ApiKeyRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ApiKeyRequirement requirement)
    {
        var http = context.Resource as HttpContext;
        var role = requirement.RoleFor(http);
        var authenticated = context.User.Identity?.IsAuthenticated == true;
        var sentKey = http is not null && ApiKeyAuthenticationHandler.SentAKey(http.Request);
        if (keys.IsOpen
            || context.User.IsInRole(ApiKeyRoles.Name(role))
            || role == ApiKeyRole.Read && !(requirement.ReadsFollowOptions && keys.RequireKeyForReads) && (authenticated || !sentKey))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

/// <summary>Answers a refused request with a ProblemDetails naming the role it needs: 401 without a known key, 403 when the key's role is too low.</summary>
internal sealed class ProblemAuthorizationResultHandler(IProblemDetailsService problems) : IAuthorizationMiddlewareResultHandler
{
    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Succeeded)
        {
            await next(context);
            return;
        }

        var requirements = authorizeResult.AuthorizationFailure?.FailedRequirements ?? policy.Requirements;
        var needed = ApiKeyRoles.Name(requirements.OfType<ApiKeyRequirement>().Select(r => r.RoleFor(context)).DefaultIfEmpty(ApiKeyRole.Read).Max());
        var header = ApiKeyAuthenticationHandler.HeaderName;
        ProblemDetails problem;
        if (authorizeResult.Forbidden && context.User.Identity?.IsAuthenticated == true)
        {
            problem = new ProblemDetails
            {
                Status = StatusCodes.Status403Forbidden,
                Title = "The API key lacks the role this endpoint needs.",
                Detail = $"The API key '{context.User.Identity.Name}' may not do this: it needs the '{needed}' role.",
            };
        }
        else
        {
            context.Response.Headers.WWWAuthenticate = $"ApiKey header=\"{header}\"";
            problem = new ProblemDetails
            {
                Status = StatusCodes.Status401Unauthorized,
                Title = "An API key is required.",
                Detail = context.Request.Headers.ContainsKey(header)
                    ? $"The {header} header does not hold a known API key; this endpoint needs one with the '{needed}' role."
                    : $"This endpoint needs an API key with the '{needed}' role in the {header} header.",
            };
        }

        context.Response.StatusCode = problem.Status!.Value;
        await problems.WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem });
    }
}
