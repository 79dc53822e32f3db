using Microsoft.AspNetCore.Http.HttpResults;
using Recommender.Api.Training;
using Recommender.Core.Model;

namespace Recommender.Api.Endpoints;

/// <summary>The serving model and the vector that serves one user, resolved once per request.</summary>
internal readonly record struct UserQuery(ServingModel Serving, UserVector User)
{
    public FactorModel Model => Serving.Model;

    /// <summary>
    /// Resolves an already validated <paramref name="userId"/> against the current model: a 503 while no model exists,
    /// a 404 for a user the store does not have.
    /// </summary>
    public static async Task<(UserQuery Query, ProblemHttpResult? Problem)> ResolveAsync(
        string userId, ModelStore store, FreshUsers freshUsers, CancellationToken cancellationToken)
    {
        if (store.Current is not { } serving)
        {
            return (default, Validation.NoModel());
        }

        var user = await freshUsers.ResolveAsync(serving, userId, cancellationToken);
        return user is { } vector ? (new UserQuery(serving, vector), null) : (default, Validation.UnknownUser(userId));
    }

    /// <summary>The wire name of a prediction's fallback, or null.</summary>
    public static string? FallbackName(PredictionFallback fallback) => fallback switch
    {
        PredictionFallback.None => null,
        PredictionFallback.UnknownUser => "unknown-user",
        PredictionFallback.UnknownItem => "unknown-item",
        _ => "unknown-user-and-item",
    };
}
