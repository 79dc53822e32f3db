// Similar items (GET /api/items/{id}/similar-items?count=5), shown for any item button clicked on the page.

import { isAbort, request, url, withQuery } from './api.js';
import { dataTable, fill, fmt, itemButton, note } from './dom.js';
import { announce, showProblem } from './status.js';

let pending = null;

export async function showSimilarItems(itemId) {
    pending?.abort();
    pending = new AbortController();
    const target = document.getElementById('similar-items');
    try {
        const result = await request(withQuery(url`api/items/${itemId}/similar-items`, { count: 5 }), { signal: pending.signal });
        fill(target, result.items.length === 0
            ? note(`${itemId} has no similar items yet: the model has not been trained with its ratings.`)
            : dataTable({
                id: 'similar-items-table',
                caption: `Items most similar to ${itemId}`,
                columns: ['Item', 'Similarity'],
                numeric: [1],
                rows: result.items.map(i => [itemButton(i.itemId), fmt(i.similarity, 3)]),
            }));
        announce(`Showing the items most similar to ${itemId}.`);
        document.getElementById('items-panel').scrollIntoView({ block: 'nearest' });
    } catch (error) {
        if (!isAbort(error)) {
            showProblem(error, `Loading items similar to ${itemId}`);
        }
    }
}

export function clearSimilarItems() {
    fill(document.getElementById('similar-items'), note('Choose an item anywhere on the page to see the items most like it.'));
}
