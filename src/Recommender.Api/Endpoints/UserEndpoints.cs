using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Recommender.Api.Contracts;
using Recommender.Api.Options;
using Recommender.Api.Training;
using Recommender.Api.Writes;
using Recommender.Data;

namespace Recommender.Api.Endpoints;

/// <summary><c>/api/users</c>: listing, details and deletion of users.</summary>
public static class UserEndpoints
{
    public static IEndpointRouteBuilder MapUserEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/users").WithTags("Users").RequireAuthorization(ApiKeyPolicies.Api);
        group.MapGet("/", GetUsers).WithName(nameof(GetUsers)).WithSummary("List users by page; `search` filters ids by prefix.");
        group.MapGet("/{userId}", GetUser).WithName(nameof(GetUser)).WithSummary("A user with their rating count.").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapDelete("/{userId}", DeleteUser).WithName(nameof(DeleteUser)).WithSummary("Delete a user and all their ratings.").ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    public static async Task<Results<Ok<Page<UserSummary>>, ValidationProblem>> GetUsers(
        RecommenderDbContext db,
        IOptions<RecommendationsOptions> options,
        CancellationToken cancellationToken,
        string? search = null,
        int page = 1,
        int pageSize = 20)
    {
        var errors = Paging.Check(page, pageSize, options.Value, search);
        if (errors.Count > 0)
        {
            return Validation.Invalid(errors);
        }

        var query = db.Users.AsNoTracking();
        if (!string.IsNullOrEmpty(search))
        {
            query = query.WhereIdStartsWith(db, search);
        }

        var ordered = query.OrderBy(u => u.Id)
            .Select(u => new UserSummary { UserId = u.Id, DisplayName = u.DisplayName, RatingCount = u.Ratings.Count });
        return TypedResults.Ok(await Paging.PageAsync(ordered, page, pageSize, cancellationToken));
    }

    public static async Task<Results<Ok<UserResponse>, ProblemHttpResult, ValidationProblem>> GetUser(
        string userId,
        RecommenderDbContext db,
        ModelStore store,
        CancellationToken cancellationToken)
    {
        if (Validation.IdProblem(userId) is not null)
        {
            return Validation.InvalidId("userId", userId);
        }

        var user = await db.Users.AsNoTracking().Where(u => u.Id == userId)
            .Select(u => new { u.Id, u.DisplayName, u.Metadata, u.CreatedAt, Count = u.Ratings.Count })
            .SingleOrDefaultAsync(cancellationToken);
        if (user is null)
        {
            return Validation.UnknownUser(userId);
        }

        var model = store.Current?.Model;
        return TypedResults.Ok(new UserResponse
        {
            UserId = user.Id,
            DisplayName = user.DisplayName,
            Metadata = Validation.ParseMetadata(user.Metadata),
            RatingCount = user.Count,
            CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(user.CreatedAt),
            InModel = model?.Users.Contains(userId) == true,
        });
    }

    public static async Task<Results<NoContent, ProblemHttpResult, ValidationProblem, WriteProblem>> DeleteUser(
        string userId,
        RatingWriter writer,
        CancellationToken cancellationToken)
    {
        if (Validation.IdProblem(userId) is not null)
        {
            return Validation.InvalidId("userId", userId);
        }

        var result = await writer.DeleteUserAsync(userId, cancellationToken);
        if (result.Failure is { } failure)
        {
            return WriteProblem.For(failure);
        }

        return result.Value ? TypedResults.NoContent() : Validation.UnknownUser(userId);
    }
}
