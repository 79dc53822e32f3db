// The middle column. Small catalogues (the demo's 4 × 12): the users × items heat-map of actual vs predicted
// ratings (GET /api/predictions) and the user × user similarity heat-map (GET /api/similarity/users), the
// notebook's tables made visual. Large catalogues: a searchable item list and the chosen user's top-N similar users.

import { isAbort, request, url, withQuery } from './api.js';
import { dataTable, fill, fmt, h, itemButton, note, userButton } from './dom.js';
import { heatmap, legend, scale } from './heatmap.js';
import { showProblem } from './status.js';

export const heatmapLimit = 50;
let matrix = null;
let similarity = null;
let ratingScale = { min: 0.5, max: 5 };
let selected = null;
let itemSearch = null;
let itemTimer = 0;

export function setupMatrixPanel() {
    document.getElementById('matrix-mode').addEventListener('change', renderMatrix);
    document.getElementById('item-search').addEventListener('input', event => {
        clearTimeout(itemTimer);
        itemTimer = setTimeout(() => searchItems(event.target.value.trim()), 150);
    });
}

/** Shows the matrices for the serving model; large catalogues get lists instead. */
export async function showMatrices(model) {
    ratingScale = { min: model.parameters?.minRating ?? 0.5, max: model.parameters?.maxRating ?? 5 };
    const small = model.counts && model.counts.users <= heatmapLimit && model.counts.items <= heatmapLimit;
    document.getElementById('matrix-small').hidden = !small;
    document.getElementById('matrix-large').hidden = small || !model.version;
    if (!model.version) {
        fill(document.getElementById('matrix'), note('No model is serving yet.'));
        fill(document.getElementById('similarity'), null);
        fill(document.getElementById('similar-users'), null);
        return;
    }

    fill(document.getElementById(small ? 'similar-users' : 'similarity'), null);
    if (!small) {
        document.getElementById('matrix-large-summary').textContent =
            `${model.counts?.users ?? '?'} users × ${model.counts?.items ?? '?'} items is too large for a heat-map: search instead.`;
        matrix = similarity = null;
        await Promise.all([searchItems(document.getElementById('item-search').value.trim()), showSimilarUsers()]);
        return;
    }

    try {
        [matrix, similarity] = await Promise.all([
            request(withQuery('api/predictions', { pageSize: heatmapLimit })),
            request(withQuery('api/similarity/users', { pageSize: heatmapLimit })),
        ]);
        renderMatrix();
        renderSimilarity();
    } catch (error) {
        showProblem(error, 'Loading the matrices');
    }
}

/** Marks the chosen user in the heat-maps, or lists their similar users in a large catalogue. */
export async function selectMatrixUser(userId) {
    selected = userId;
    if (matrix) {
        renderMatrix();
        renderSimilarity();
    } else if (!document.getElementById('matrix-large').hidden) {
        await showSimilarUsers();
    }
}

function renderMatrix() {
    if (!matrix) {
        return;
    }

    const mode = document.querySelector('input[name="matrix-mode"]:checked').value;
    const residuals = matrix.rows.flatMap(r => r.actual.map((a, i) => (a === null ? 0 : Math.abs(a - r.predicted[i]))));
    const colorScale = mode === 'residual'
        ? scale(-Math.max(0.5, ...residuals), Math.max(0.5, ...residuals), true)
        : scale(ratingScale.min, ratingScale.max);
    const cell = (row, i) => {
        const [predicted, actual] = [row.predicted[i], row.actual[i]];
        const title = `${row.userId} · ${matrix.items[i]}: predicted ${fmt(predicted)}${actual === null ? ', not rated' : `, rated ${actual}`}`;
        if (mode === 'actual') {
            return { value: actual, text: actual === null ? '' : String(actual), title };
        }

        if (mode === 'residual') {
            const residual = actual === null ? null : actual - predicted;
            return { value: residual, text: residual === null ? '' : `${residual > 0 ? '+' : ''}${residual.toFixed(1)}`, title };
        }

        return {
            value: predicted,
            marked: actual !== null,
            title,
            text: actual === null ? fmt(predicted, 1) : [fmt(predicted, 1), h('span', { class: 'actual' }, h('span', { 'aria-hidden': 'true' }, '★'), h('span', { class: 'sr-only' }, ' rated '), String(actual))],
        };
    };
    const caption = {
        predicted: 'Predicted ratings, ★ the actual rating',
        actual: 'Actual ratings (empty: not rated)',
        residual: 'Actual minus predicted rating, where rated',
    }[mode];
    fill(document.getElementById('matrix'),
        heatmap({
            id: 'matrix-table',
            caption: `${caption} · model version ${matrix.modelVersion}`,
            corner: 'user \\ item',
            columns: matrix.items.map(itemId => ({ id: itemId, label: itemButton(itemId) })),
            rows: matrix.rows.map(row => ({ id: row.userId, label: userButton(row.userId), selected: row.userId === selected, cells: row.predicted.map((_, i) => cell(row, i)) })),
            colorScale,
        }),
        legend(colorScale, mode === 'residual' ? 'actual − predicted' : 'rating'),
        matrix.totalUsers > matrix.rows.length ? note(`First ${matrix.rows.length} of ${matrix.totalUsers} users.`) : null);
}

function renderSimilarity() {
    const values = similarity.rows.flatMap(r => r.similarities);
    const lo = Math.min(...values);
    const colorScale = lo < 0 ? scale(-1, 1, true) : scale(Math.floor(lo * 10) / 10, 1);
    fill(document.getElementById('similarity'),
        heatmap({
            id: 'similarity-table',
            caption: 'Cosine similarity of the users’ predicted rows',
            columns: similarity.users.map(userId => ({ id: userId, label: userButton(userId) })),
            rows: similarity.rows.map(row => ({
                id: row.userId,
                label: userButton(row.userId),
                selected: row.userId === selected,
                cells: row.similarities.map((v, i) => ({ value: v, text: fmt(v), title: `${row.userId} · ${similarity.users[i]}: ${fmt(v, 4)}` })),
            })),
            colorScale,
        }),
        legend(colorScale, 'cosine', v => v.toFixed(1)));
}

async function searchItems(text) {
    itemSearch?.abort();
    itemSearch = new AbortController();
    try {
        const page = await request(withQuery('api/items', { search: text, pageSize: 20 }), { signal: itemSearch.signal });
        fill(document.getElementById('item-results'), page.items.length === 0 ? note(`No item id starts with “${text}”.`) : dataTable({
            id: 'item-results-table',
            caption: `Items${text ? ` starting with “${text}”` : ''} (${page.items.length} of ${page.total})`,
            columns: ['Item', 'Ratings'],
            numeric: [1],
            rows: page.items.map(i => [itemButton(i.itemId), String(i.ratingCount)]),
        }));
    } catch (error) {
        if (!isAbort(error)) {
            showProblem(error, 'Searching items');
        }
    }
}

async function showSimilarUsers() {
    const target = document.getElementById('similar-users');
    if (!selected) {
        fill(target, note('Choose a user to see the users most like them.'));
        return;
    }

    try {
        const result = await request(withQuery(url`api/users/${selected}/similar-users`, { count: 10 }));
        fill(target, dataTable({
            id: 'similar-users-table',
            caption: `Users most similar to ${selected}`,
            columns: ['User', 'Similarity'],
            numeric: [1],
            rows: result.users.map(u => [userButton(u.userId), fmt(u.similarity, 3)]),
        }));
    } catch (error) {
        showProblem(error, `Loading users similar to ${selected}`);
    }
}
