// The two live regions: #status (polite: what the page is doing) and #problem (an alert: what went wrong,
// from the API's ProblemDetails: title, detail and the field-by-field errors).

import { ApiError } from './api.js';
import { fill, h } from './dom.js';

export function announce(message) {
    document.getElementById('status').textContent = message;
}

export function clearProblem() {
    const box = document.getElementById('problem');
    box.hidden = true;
    box.replaceChildren();
    document.getElementById('key-form').classList.remove('needs-key');
}

/** Shows an error; context says what the page was doing ("Loading Hermione's recommendations"). */
export function showProblem(error, context) {
    const box = document.getElementById('problem');
    const problem = error instanceof ApiError ? error.problem : null;
    const status = error instanceof ApiError ? error.status : null;
    let title = error?.message ?? String(error);
    let detail = null;
    if (error instanceof ApiError) {
        title = problem?.title?.replace(/\.$/, '') ?? `HTTP ${status}`;
        detail = problem?.detail ?? (problem ? null : error.message);
    } else if (error instanceof TypeError) {
        title = 'the service could not be reached';
        detail = error.message;
    }

    const fieldErrors = Object.entries(problem?.errors ?? {})
        .flatMap(([field, messages]) => (Array.isArray(messages) ? messages : [messages]).map(m => h('li', {}, h('code', {}, field), ': ', String(m))));
    const needsKey = status === 401 || status === 403;
    document.getElementById('key-form').classList.toggle('needs-key', needsKey);
    fill(box,
        h('p', { class: 'problem-title' }, h('strong', {}, `${context} failed: ${title}`), status ? ` (${status})` : ''),
        detail ? h('p', { class: 'problem-detail' }, detail) : null,
        fieldErrors.length > 0 ? h('ul', { class: 'problem-errors' }, fieldErrors) : null,
        needsKey ? h('p', {}, status === 401
            ? 'This service needs an API key: enter it in the “API key” field at the top of the page.'
            : 'The API key in the “API key” field is not allowed to do this.') : null,
        h('button', { type: 'button', class: 'problem-close' }, 'Dismiss'));
    box.querySelector('.problem-close').addEventListener('click', clearProblem);
    box.hidden = false;
}
