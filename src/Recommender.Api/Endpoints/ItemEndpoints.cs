using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Recommender.Api.Contracts;
using Recommender.Api.Options;
using Recommender.Api.Security;
using Recommender.Api.Training;
using Recommender.Api.Writes;
using Recommender.Data;

namespace Recommender.Api.Endpoints;

/// <summary><c>/api/items</c>: listing, details, names and metadata of items.</summary>
public static partial class ItemEndpoints
{
    private const int MaxMetadataLength = 16 * 1024;
    private const int MaxNameLength = 256;

    public static IEndpointRouteBuilder MapItemEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/items").WithTags("Items").RequireAuthorization(ApiKeyPolicies.Api);
        group.MapGet("/", GetItems).WithName(nameof(GetItems)).WithSummary("List items by page; `search` filters ids by prefix.");
        group.MapGet("/{itemId}", GetItem).WithName(nameof(GetItem)).WithSummary("An item with its rating count.").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPut("/{itemId}", PutItem).WithName(nameof(PutItem)).WithSummary("Create or update an item's name and metadata (201 when new).");
        group.MapPost("/import", ImportItems).WithName(nameof(ImportItems))
            .WithSummary("Stream an item catalogue in the request body — CSV itemId,name[,more columns], optional header, such as MovieLens movies.csv — into the store in one transaction: all or nothing. Names are replaced; the further columns become each item's metadata object. ?header=auto|true|false.")
            .Accepts<Stream>("text/csv", "text/plain", "application/octet-stream")
            .WithImportBodyLimit()
            .DisableRequestTimeout();
        return app;
    }

    public static async Task<Results<Ok<Page<ItemSummary>>, ValidationProblem>> GetItems(
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

        var query = db.Items.AsNoTracking();
        if (!string.IsNullOrEmpty(search))
        {
            query = query.WhereIdStartsWith(db, search);
        }

        var ordered = query.OrderBy(i => i.Id)
            .Select(i => new ItemSummary { ItemId = i.Id, DisplayName = i.DisplayName, RatingCount = i.Ratings.Count });
        return TypedResults.Ok(await Paging.PageAsync(ordered, page, pageSize, cancellationToken));
    }

    public static async Task<Results<Ok<ItemResponse>, ProblemHttpResult, ValidationProblem>> GetItem(
        string itemId,
        RecommenderDbContext db,
        ModelStore store,
        CancellationToken cancellationToken)
    {
        if (Validation.IdProblem(itemId) is not null)
        {
            return Validation.InvalidId("itemId", itemId);
        }

        var item = await db.Items.AsNoTracking().Where(i => i.Id == itemId)
            .Select(i => new { i.Id, i.DisplayName, i.Metadata, i.CreatedAt, Count = i.Ratings.Count })
            .SingleOrDefaultAsync(cancellationToken);
        if (item is null)
        {
            return Validation.UnknownItem(itemId);
        }

        return TypedResults.Ok(Response(item.Id, item.DisplayName, item.Metadata, item.CreatedAt, item.Count, store));
    }

    public static async Task<Results<Created<ItemResponse>, Ok<ItemResponse>, ValidationProblem, WriteProblem>> PutItem(
        string itemId,
        ItemUpdateRequest request,
        RecommenderDbContext db,
        StoreHealth health,
        ModelStore store,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        Validation.CheckId(errors, "itemId", itemId);
        if (request.DisplayName is { } name && (name.Length > MaxNameLength || name.Any(char.IsControl)))
        {
            errors["displayName"] = [$"displayName must be at most {MaxNameLength} characters without control characters."];
        }

        var metadata = request.Metadata is { ValueKind: not System.Text.Json.JsonValueKind.Undefined and not System.Text.Json.JsonValueKind.Null } m
            ? m.GetRawText()
            : null;
        if (metadata is { Length: > MaxMetadataLength })
        {
            errors["metadata"] = [$"metadata must be at most {MaxMetadataLength} characters of JSON."];
        }

        if (errors.Count > 0)
        {
            return Validation.Invalid(errors);
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var result = await health.CommitAsync(token => db.SaveItemAsync(itemId, request.DisplayName, metadata, now, token), cancellationToken);
        if (result.Failure is { } failure)
        {
            return WriteProblem.For(failure);
        }

        var saved = result.Value;
        var response = Response(itemId, request.DisplayName, metadata, saved.CreatedAt, saved.RatingCount, store);
        return saved.Created ? TypedResults.Created($"/api/items/{Uri.EscapeDataString(itemId)}", response) : TypedResults.Ok(response);
    }

    private static ItemResponse Response(string itemId, string? name, string? metadata, long createdAt, int ratingCount, ModelStore store)
    {
        var model = store.Current?.Model;
        var index = model?.Items.IndexOf(itemId) ?? -1;
        return new ItemResponse
        {
            ItemId = itemId,
            DisplayName = name,
            Metadata = Validation.ParseMetadata(metadata),
            RatingCount = ratingCount,
            CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(createdAt),
            InModel = index >= 0 && model!.IsItemTrained(index),
        };
    }
}
