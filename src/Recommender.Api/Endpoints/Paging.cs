using Microsoft.EntityFrameworkCore;
using Recommender.Api.Contracts;
using Recommender.Api.Options;

namespace Recommender.Api.Endpoints;

/// <summary>The <c>page</c> / <c>pageSize</c> checks shared by every paged listing.</summary>
internal static class Paging
{
    public const int MaxPage = 1_000_000;

    public static Dictionary<string, string[]> Check(int page, int pageSize, RecommendationsOptions options, string? search = null)
    {
        var errors = new Dictionary<string, string[]>();
        if (search is { Length: > Data.Entities.User.MaxIdLength })
        {
            errors["search"] = [$"search must be at most {Data.Entities.User.MaxIdLength} characters."];
        }

        if (page is < 1 or > MaxPage)
        {
            errors["page"] = [$"page must be between 1 and {MaxPage}."];
        }

        if (pageSize < 1 || pageSize > options.MaxPageSize)
        {
            errors["pageSize"] = [$"pageSize must be between 1 and {options.MaxPageSize} (Recommendations:MaxPageSize)."];
        }

        return errors;
    }

    /// <summary>One page of an ordered query, with the total over all pages.</summary>
    public static async Task<Page<T>> PageAsync<T>(IQueryable<T> ordered, int page, int pageSize, CancellationToken cancellationToken) => new()
    {
        PageNumber = page,
        PageSize = pageSize,
        Total = await ordered.CountAsync(cancellationToken),
        Items = await ordered.Skip((page - 1) * pageSize).Take(pageSize).ToListAsync(cancellationToken),
    };
}
