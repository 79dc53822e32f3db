// The user column: search (GET /api/users?search=), then the chosen user's recommendations with the strategy
// switch and, for strategy=neighbors, the contributing neighbours; and their ratings beside their predictions.

import { isAbort, request, url, withQuery } from './api.js';
import { dataTable, fill, fmt, h, itemButton, note, userButton } from './dom.js';
import { announce, showProblem } from './status.js';

const listSize = 20;
let searchRequest = null;
let userRequest = null;
let recommendationRequest = null;
let searchTimer = 0;
let selected = null;
let lastItems = [];

export function selectedUser() {
    return selected;
}

export function setupUserPanel(choose) {
    const input = document.getElementById('user-search');
    input.addEventListener('input', () => {
        clearTimeout(searchTimer);
        searchTimer = setTimeout(() => searchUsers(input.value.trim()), 150);
    });
    document.getElementById('user-search-form').addEventListener('submit', event => {
        event.preventDefault();
        const buttons = [...document.querySelectorAll('#user-results [data-user]')];
        const exact = buttons.find(b => b.dataset.user === input.value.trim()) ?? buttons[0];
        if (exact) {
            choose(exact.dataset.user);
        }
    });
    document.getElementById('strategy').addEventListener('change', () => loadRecommendations());
    document.getElementById('item-filter').addEventListener('input', () => renderItems());
}

export async function searchUsers(text) {
    searchRequest?.abort();
    searchRequest = new AbortController();
    try {
        const page = await request(withQuery('api/users', { search: text, pageSize: 10 }), { signal: searchRequest.signal });
        const list = document.getElementById('user-results');
        fill(list, page.items.map(u => h('li', {}, userButton(u.userId, h('span', { class: 'count' }, `${u.ratingCount} ratings`)))));
        const shown = page.items.length < page.total ? `, first ${page.items.length} shown` : '';
        document.getElementById('user-results-summary').textContent = page.total === 0
            ? `No user id starts with “${text}”.`
            : `${page.total} ${page.total === 1 ? 'user' : 'users'}${text ? ` starting with “${text}”` : ''}${shown}.`;
    } catch (error) {
        if (!isAbort(error)) {
            showProblem(error, 'Searching users');
        }
    }
}

/** Loads everything about one user; resolves when the panel shows them. */
export async function showUser(userId) {
    selected = userId;
    userRequest?.abort();
    userRequest = new AbortController();
    const signal = userRequest.signal;
    const panel = document.getElementById('user-detail');
    panel.setAttribute('aria-busy', 'true');
    try {
        const [ratings, predictions] = await Promise.all([
            request(withQuery('api/ratings', { userId, pageSize: 100 }), { signal }),
            request(url`api/users/${userId}/predictions`, { signal }),
            loadRecommendations(),
        ]);
        const rated = new Map(ratings.items.map(r => [r.itemId, r.rating]));
        lastItems = predictions.items.map(p => ({ itemId: p.itemId, rating: rated.get(p.itemId) ?? p.actualRating, predicted: p.predictedRating }));
        for (const [itemId, rating] of rated) {
            if (!lastItems.some(i => i.itemId === itemId)) {
                lastItems.push({ itemId, rating, predicted: null }); // Rated after the model was trained.
            }
        }

        lastItems.sort((a, b) => (b.predicted ?? -Infinity) - (a.predicted ?? -Infinity) || a.itemId.localeCompare(b.itemId));
        fill(document.getElementById('selected-user'), userId);
        document.getElementById('selected-user-summary').textContent =
            `${ratings.total} ratings · model version ${predictions.modelVersion}${predictions.fallback ? ' · unknown to the model: fallback predictions' : ''}`;
        panel.hidden = false;
        renderItems();
        announce(`Showing ${userId}.`);
    } catch (error) {
        if (!isAbort(error)) {
            panel.hidden = true;
            showProblem(error, `Loading ${userId}`);
        }
    } finally {
        if (!signal.aborted) {
            panel.removeAttribute('aria-busy');
        }
    }
}

/** (Re)loads the chosen user's recommendations with the chosen strategy. */
export async function loadRecommendations() {
    if (selected === null) {
        return;
    }

    const userId = selected;
    const strategy = document.querySelector('input[name="strategy"]:checked').value;
    const neighbors = document.getElementById('neighbors-count').value;
    document.getElementById('neighbors-setting').hidden = strategy !== 'neighbors';
    recommendationRequest?.abort();
    recommendationRequest = new AbortController();
    try {
        const path = withQuery(url`api/users/${userId}/recommendations`, { strategy, count: 10, neighbors: strategy === 'neighbors' ? neighbors : null });
        const result = await request(path, { signal: recommendationRequest.signal });
        const how = strategy === 'neighbors' ? 'neighbour-weighted'
            : strategy === 'rating' ? `highest predicted rating, ${result.rankedBy}`
            : result.fallback === 'popularity' ? `most popular: ${result.rankedBy} has no ratings of theirs yet`
            : `ranked by ${result.rankedBy}`;
        const caption = `Recommendations for ${userId} (${how})`;
        fill(document.getElementById('recommendations'), result.items.length === 0
            ? note('Nothing to recommend: the user has rated every item.')
            : dataTable({
                id: 'recommendations-table',
                caption,
                columns: ['Item', 'Score', 'Predicted'],
                numeric: [1, 2],
                rows: result.items.map(i => [itemButton(i.itemId), fmt(i.score, 3), fmt(i.predictedRating)]),
            }));
        fill(document.getElementById('neighbors'), result.neighbors
            ? dataTable({
                id: 'neighbors-table',
                caption: `Neighbours whose predictions were summed`,
                columns: ['User', 'Similarity'],
                numeric: [1],
                rows: result.neighbors.map(n => [userButton(n.userId), fmt(n.similarity, 3)]),
            })
            : null);
    } catch (error) {
        if (!isAbort(error)) {
            showProblem(error, `Loading recommendations for ${userId}`);
        }
    }
}

function renderItems() {
    const filter = document.getElementById('item-filter').value.trim().toLocaleLowerCase();
    const matching = lastItems.filter(i => i.itemId.toLocaleLowerCase().includes(filter));
    const shown = matching.slice(0, listSize);
    document.getElementById('item-filter-row').hidden = lastItems.length <= listSize && filter === '';
    const range = shown.length < matching.length ? `top ${shown.length} of ${matching.length}` : `${matching.length} items`;
    fill(document.getElementById('user-items'), shown.length === 0
        ? note('No item matches the filter.')
        : dataTable({
            id: 'user-items-table',
            caption: `Ratings and predictions (${range}, highest predicted first)`,
            columns: ['Item', 'Rated', 'Predicted'],
            numeric: [1, 2],
            rows: shown.map(i => [itemButton(i.itemId), i.rating === null || i.rating === undefined ? '–' : fmt(i.rating, 1), fmt(i.predicted)]),
        }));
}
