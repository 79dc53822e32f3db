using System.Net;
using Recommender.Api.Contracts;

namespace Recommender.Client;

/// <summary><c>/api/users</c> and <c>/api/items</c>.</summary>
public sealed partial class RecommenderClient
{
    /// <summary><c>GET /api/users</c>: one page of users with their rating counts, ordered by id.</summary>
    /// <param name="search">Only ids starting with this prefix, or null.</param>
    /// <param name="page">The page, from 1; the service's default (1) when null.</param>
    /// <param name="pageSize">Entries per page; the service's default (20) when null.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The page.</returns>
    public Task<Page<UserSummary>> GetUsersAsync(string? search = null, int? page = null, int? pageSize = null, CancellationToken cancellationToken = default) =>
        GetAsync<Page<UserSummary>>(WithQuery("api/users", ("search", search), ("page", page), ("pageSize", pageSize)), cancellationToken);

    /// <summary><c>GET /api/users/{userId}</c>: a user's details and rating count.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The user.</returns>
    /// <exception cref="RecommenderApiException">404 for an unknown user.</exception>
    public Task<UserResponse> GetUserAsync(string userId, CancellationToken cancellationToken = default) =>
        GetAsync<UserResponse>($"api/users/{Segment(userId, nameof(userId))}", cancellationToken);

    /// <summary><c>DELETE /api/users/{userId}</c>: deletes a user and all their ratings.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A task that completes when the user is deleted.</returns>
    /// <exception cref="RecommenderApiException">404 for an unknown user.</exception>
    public Task DeleteUserAsync(string userId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, $"api/users/{Segment(userId, nameof(userId))}", cancellationToken);

    /// <summary><c>GET /api/items</c>: one page of items with their rating counts, ordered by id.</summary>
    /// <param name="search">Only ids starting with this prefix, or null.</param>
    /// <param name="page">The page, from 1; the service's default (1) when null.</param>
    /// <param name="pageSize">Entries per page; the service's default (20) when null.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The page.</returns>
    public Task<Page<ItemSummary>> GetItemsAsync(string? search = null, int? page = null, int? pageSize = null, CancellationToken cancellationToken = default) =>
        GetAsync<Page<ItemSummary>>(WithQuery("api/items", ("search", search), ("page", page), ("pageSize", pageSize)), cancellationToken);

    /// <summary><c>GET /api/items/{itemId}</c>: an item's name, metadata and rating count.</summary>
    /// <param name="itemId">The item.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The item.</returns>
    /// <exception cref="RecommenderApiException">404 for an unknown item.</exception>
    public Task<ItemResponse> GetItemAsync(string itemId, CancellationToken cancellationToken = default) =>
        GetAsync<ItemResponse>($"api/items/{Segment(itemId, nameof(itemId))}", cancellationToken);

    /// <summary><c>PUT /api/items/{itemId}</c>: creates an item or replaces its name and metadata (retried like every PUT).</summary>
    /// <param name="itemId">The item.</param>
    /// <param name="item">Its display name and metadata; a null one clears it.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The item, and whether it was new.</returns>
    /// <exception cref="RecommenderApiException">400 for a name or metadata over its limit.</exception>
    public async Task<Upserted<ItemResponse>> PutItemAsync(string itemId, ItemUpdateRequest item, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(item);
        var (value, status) = await SendAsync<ItemResponse>(
            HttpMethod.Put, $"api/items/{Segment(itemId, nameof(itemId))}", JsonBody(item), cancellationToken).ConfigureAwait(false);
        return new(value, status == HttpStatusCode.Created);
    }

    /// <summary>
    /// <c>POST /api/items/import</c>: streams an item catalogue — CSV <c>itemId,name[,more columns]</c> such as MovieLens
    /// <c>movies.csv</c> — into the store in one transaction, all or nothing. The stream is read to its end and not
    /// disposed; the request is never retried.
    /// </summary>
    /// <param name="content">The catalogue, UTF-8.</param>
    /// <param name="header">Whether the first line is a header; null lets the service decide from its first field.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>How many items were imported, and the server's time.</returns>
    /// <exception cref="RecommenderApiException">400 naming the first bad line.</exception>
    public async Task<ItemImportResponse> ImportItemsAsync(Stream content, bool? header = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var uri = WithQuery("api/items/import", ("header", header switch { null => null, true => "true", false => "false" }));
        return (await SendAsync<ItemImportResponse>(HttpMethod.Post, uri, FileBody(content), cancellationToken).ConfigureAwait(false)).Value;
    }
}
