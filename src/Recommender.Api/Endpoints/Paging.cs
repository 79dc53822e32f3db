using Recommender.Api.Options;

namespace Recommender.Api.Endpoints;

/// <summary>The <c>page</c> / <c>pageSize</c> checks shared by every paged listing.</summary>
internal static class Paging
{
    public const int MaxPage = 1_000_000;

    public static Dictionary<string, string[]> Check(int page, int pageSize, RecommendationsOptions options)
    {
        var errors = new Dictionary<string, string[]>();
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
}
