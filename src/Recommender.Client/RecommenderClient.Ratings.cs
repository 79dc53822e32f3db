using System.Net;
using System.Net.Http.Headers;
using Recommender.Api.Contracts;

namespace Recommender.Client;

/// <summary><c>/api/ratings</c>.</summary>
public sealed partial class RecommenderClient
{
    /// <summary>
    /// <c>POST /api/ratings</c>: stores a rating, replacing the user's earlier rating of the item. The write is an upsert,
    /// yet it is not retried (<see cref="RecommenderRetryHandler"/>); sending it again after a failure is safe.
    /// </summary>
    /// <param name="rating">The rating: user id, item id, value, optional timestamp.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The stored rating, and whether it was new.</returns>
    /// <exception cref="RecommenderApiException">400 for an invalid rating (<see cref="RecommenderApiException.Errors"/> names the fields), 503 or 507 when the store cannot take it.</exception>
    public async Task<Upserted<RatingResponse>> PostRatingAsync(RatingRequest rating, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rating);
        var (value, status) = await SendAsync<RatingResponse>(HttpMethod.Post, "api/ratings", JsonBody(rating), cancellationToken).ConfigureAwait(false);
        return new(value, status == HttpStatusCode.Created);
    }

    /// <summary><c>POST /api/ratings/batch</c>: stores up to <c>Ratings:MaxBatchSize</c> ratings in one transaction, all or nothing; not retried.</summary>
    /// <param name="batch">The ratings; a (user, item) pair may appear once.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>How many ratings were new and how many replaced earlier values.</returns>
    /// <exception cref="RecommenderApiException">400 naming the first bad rating (nothing is stored), 503 or 507 when the store cannot take it.</exception>
    public async Task<RatingBatchResponse> PostRatingBatchAsync(RatingBatchRequest batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return (await SendAsync<RatingBatchResponse>(HttpMethod.Post, "api/ratings/batch", JsonBody(batch), cancellationToken).ConfigureAwait(false)).Value;
    }

    /// <summary>
    /// <c>POST /api/ratings/import</c>: streams a rating file (CSV, MovieLens <c>ratings.csv</c>, <c>u.data</c> or
    /// <c>ratings.dat</c>) into the store in one transaction, all or nothing. The stream is read to its end and not
    /// disposed; the request is never retried.
    /// </summary>
    /// <param name="content">The file, UTF-8.</param>
    /// <param name="format">The file's layout; detected when <see cref="RatingFileFormat.Auto"/>.</param>
    /// <param name="id">
    /// A name for the import, to follow it with <see cref="GetImportAsync"/> while it runs; the service chooses one when null.
    /// </param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The import's id, how many ratings and users were imported, and the server's time.</returns>
    /// <exception cref="RecommenderApiException">400 naming the first bad line, 408 when the body stalls, 409 when an import of that id is running, 413 over the size limit, 503 when the store is busy.</exception>
    public async Task<RatingImportResponse> ImportRatingsAsync(
        Stream content, RatingFileFormat format = RatingFileFormat.Auto, string? id = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var uri = WithQuery("api/ratings/import", ("format", format == RatingFileFormat.Auto ? null : format.ToString().ToLowerInvariant()), ("id", id));
        return (await SendAsync<RatingImportResponse>(HttpMethod.Post, uri, FileBody(content), cancellationToken).ConfigureAwait(false)).Value;
    }

    /// <summary><c>GET /api/ratings/imports</c>: the rating imports of the node that answers, running ones first, then the last that ended.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The imports, each with its state, ratings read so far and rate.</returns>
    public Task<ImportListResponse> GetImportsAsync(CancellationToken cancellationToken = default) =>
        GetAsync<ImportListResponse>("api/ratings/imports", cancellationToken);

    /// <summary><c>GET /api/ratings/imports/{id}</c>: one rating import of the node that answers, running or recently ended.</summary>
    /// <param name="id">The id the import was sent with, or was given.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>Its state, ratings read so far, rate, and why it failed if it did.</returns>
    /// <exception cref="RecommenderApiException">404 when the node knows no such import.</exception>
    public Task<ImportProgressResponse> GetImportAsync(string id, CancellationToken cancellationToken = default) =>
        GetAsync<ImportProgressResponse>($"api/ratings/imports/{Segment(id, nameof(id))}", cancellationToken);

    /// <summary><c>GET /api/ratings</c>: one page of ratings, optionally of one user and/or one item.</summary>
    /// <param name="userId">Only this user's ratings, or null.</param>
    /// <param name="itemId">Only this item's ratings, or null.</param>
    /// <param name="page">The page, from 1; the service's default (1) when null.</param>
    /// <param name="pageSize">Entries per page; the service's default (20) when null.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The page.</returns>
    public Task<Page<RatingResponse>> GetRatingsAsync(
        string? userId = null, string? itemId = null, int? page = null, int? pageSize = null, CancellationToken cancellationToken = default) =>
        GetAsync<Page<RatingResponse>>(
            WithQuery("api/ratings", ("userId", userId), ("itemId", itemId), ("page", page), ("pageSize", pageSize)), cancellationToken);

    /// <summary><c>DELETE /api/ratings/{userId}/{itemId}</c>: deletes one rating.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="itemId">The item.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A task that completes when the rating is deleted.</returns>
    /// <exception cref="RecommenderApiException">404 when there is no such rating (also when a retry follows a deletion whose answer was lost).</exception>
    public Task DeleteRatingAsync(string userId, string itemId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, $"api/ratings/{Segment(userId, nameof(userId))}/{Segment(itemId, nameof(itemId))}", cancellationToken);

    /// <summary>A streamed file body; the caller's stream stays open.</summary>
    private static StreamContent FileBody(Stream content)
    {
        var body = new StreamContent(new LeaveOpenStream(content));
        body.Headers.ContentType = new MediaTypeHeaderValue("text/csv") { CharSet = "utf-8" };
        return body;
    }
}
