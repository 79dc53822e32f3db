using System.Net;
using Recommender.Api.Contracts;

namespace Recommender.Client;

/// <summary><c>/api/model</c> and the health probes.</summary>
public sealed partial class RecommenderClient
{
    /// <summary><c>GET /api/model</c>: the serving model — version, parameters, counts, holdout metrics, history — and the trainer's state.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The model; its <see cref="ModelResponse.Version"/> is null while no model exists.</returns>
    public Task<ModelResponse> GetModelAsync(CancellationToken cancellationToken = default) =>
        GetAsync<ModelResponse>("api/model", cancellationToken);

    /// <summary><c>GET /api/model/versions</c>: every training run, newest first, with its state (active, kept, pruned, rejected, failed).</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The versions.</returns>
    public Task<IReadOnlyList<ModelVersionResponse>> GetModelVersionsAsync(CancellationToken cancellationToken = default) =>
        GetAsync<IReadOnlyList<ModelVersionResponse>>("api/model/versions", cancellationToken);

    /// <summary>
    /// <c>POST /api/model/retrain</c>: asks for a training run now (an admin key when keys are configured); not retried.
    /// The run happens in the background: poll <see cref="GetModelAsync"/> for its outcome.
    /// </summary>
    /// <param name="force">Publish a finite model even when the quality gate refuses it (recorded with the key's name).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The trainer's state: queued or running.</returns>
    /// <exception cref="RecommenderApiException">409 on a node that never trains (<c>Node:Role</c> api).</exception>
    public async Task<TrainingStateResponse> PostRetrainAsync(bool force = false, CancellationToken cancellationToken = default) =>
        (await SendAsync<TrainingStateResponse>(
            HttpMethod.Post, WithQuery("api/model/retrain", ("force", force ? "true" : null)), null, cancellationToken).ConfigureAwait(false)).Value;

    /// <summary><c>POST /api/model/versions/{version}/activate</c>: serves a kept version again and pins it (admin); not retried.</summary>
    /// <param name="version">The version.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The version, now active.</returns>
    /// <exception cref="RecommenderApiException">404 for an unknown version, 409 for one that cannot be activated.</exception>
    public async Task<ModelVersionResponse> PostActivateVersionAsync(long version, CancellationToken cancellationToken = default) =>
        (await SendAsync<ModelVersionResponse>(
            HttpMethod.Post, $"api/model/versions/{version.ToString(System.Globalization.CultureInfo.InvariantCulture)}/activate", null, cancellationToken)
            .ConfigureAwait(false)).Value;

    /// <summary><c>DELETE /api/model/pin</c>: ends the pin an activation set (admin).</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A task that completes when the pin has ended.</returns>
    /// <exception cref="RecommenderApiException">404 when nothing is pinned.</exception>
    public Task DeletePinAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, "api/model/pin", cancellationToken);

    /// <summary><c>GET /health/live</c>: whether the process answers. Sent once, never retried.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>True for 200, false for 503.</returns>
    public Task<bool> IsLiveAsync(CancellationToken cancellationToken = default) => ProbeAsync("health/live", cancellationToken);

    /// <summary><c>GET /health/ready</c>: whether a model serves and the node is not stopping. Sent once, never retried.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>True for 200, false for 503.</returns>
    public Task<bool> IsReadyAsync(CancellationToken cancellationToken = default) => ProbeAsync("health/ready", cancellationToken);

    private async Task<bool> ProbeAsync(string uri, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Options.Set(RecommenderRetryHandler.NoRetry, true);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
        {
            return false;
        }

        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        return true;
    }
}
