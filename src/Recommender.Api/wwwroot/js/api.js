// Every call to the service goes through request(): relative URLs (so a path base works), the optional
// X-API-Key header, JSON in and out, and ProblemDetails turned into an ApiError the page can show.

const keyName = 'recommender.apiKey';

export function getApiKey() {
    return sessionStorage.getItem(keyName) ?? '';
}

export function setApiKey(key) {
    if (key) {
        sessionStorage.setItem(keyName, key);
    } else {
        sessionStorage.removeItem(keyName);
    }
}

/** An error response; problem holds its ProblemDetails (title, detail, errors) when the body was one. */
export class ApiError extends Error {
    constructor(status, problem, text) {
        super(problem?.detail ?? problem?.title ?? (text || `HTTP ${status}`));
        this.name = 'ApiError';
        this.status = status;
        this.problem = problem;
    }
}

/** A path with every interpolated value URL-encoded: url`api/users/${id}/predictions`. */
export function url(strings, ...values) {
    return strings.reduce((out, part, i) => out + part + (i < values.length ? encodeURIComponent(String(values[i])) : ''), '');
}

/** Appends the non-empty parameters as a query string. */
export function withQuery(path, parameters) {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(parameters)) {
        if (value !== undefined && value !== null && value !== '') {
            query.set(name, String(value));
        }
    }

    const text = query.toString();
    return text ? `${path}?${text}` : path;
}

export async function request(path, { method = 'GET', body, signal } = {}) {
    const headers = { Accept: 'application/json, application/problem+json' };
    const key = getApiKey();
    if (key) {
        headers['X-API-Key'] = key;
    }

    if (body !== undefined) {
        headers['Content-Type'] = 'application/json';
    }

    const response = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
        cache: 'no-store',
    });
    const text = await response.text();
    let data = null;
    if (text) {
        try {
            data = JSON.parse(text);
        } catch {
            data = null;
        }
    }

    if (!response.ok) {
        const problem = data !== null && typeof data === 'object' ? data : null;
        throw new ApiError(response.status, problem, text.slice(0, 300) || response.statusText);
    }

    return data;
}

/** True for the rejection of a request that a newer one replaced. */
export function isAbort(error) {
    return error?.name === 'AbortError';
}
