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

    /// <summary>
    /// The problem of a matrix page of <paramref name="rows"/> × <paramref name="columns"/> cells over
    /// Recommendations:MaxMatrixCells, or null: a page's size is bounded in cells, not rows, so a wide catalogue cannot
    /// make one anonymous request compute and send megabytes.
    /// </summary>
    public static Dictionary<string, string[]>? CheckCells(int rows, int columns, RecommendationsOptions options, string columnName, string columnPaging = "")
    {
        var cells = (long)rows * columns;
        return cells <= options.MaxMatrixCells
            ? null
            : new Dictionary<string, string[]>
            {
                ["pageSize"] =
                [
                    $"A page of {rows} rows × {columns} {columnName} has {cells} cells; at most {options.MaxMatrixCells} are sent at once (Recommendations:MaxMatrixCells). " +
                    $"Ask for at most {Math.Max(1, options.MaxMatrixCells / Math.Max(1, columns))} rows{columnPaging}.",
                ],
            };
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
