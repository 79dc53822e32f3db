// Item names (GET /api/items/{id}): an item button shows its item's name once it is known, with the id as its
// tooltip, so a catalogue imported from movies.csv reads as titles. Each id is looked up once per page load, a few at a
// time; an item without a name, or one the lookup fails for, keeps showing its id.
import { request, url } from './api.js';

const parallel = 4;
const names = new Map();
const queued = new Set();
const waiting = [];
let running = 0;

/** Shows the name of itemId on button now if it is known, else once it has been looked up. */
export function nameItemButton(button, itemId) {
    if (names.has(itemId)) {
        show(button, names.get(itemId));
    } else if (!queued.has(itemId)) {
        queued.add(itemId);
        waiting.push(itemId);
        lookUpNext();
    }
}

function lookUpNext() {
    while (running < parallel && waiting.length > 0) {
        const itemId = waiting.shift();
        running++;
        request(url`api/items/${itemId}`)
            .then(item => item?.displayName ?? null, () => null)
            .then(name => {
                names.set(itemId, name);
                queued.delete(itemId);
                for (const button of document.querySelectorAll('button.item-link')) {
                    if (button.dataset.item === itemId) {
                        show(button, name);
                    }
                }
            })
            .finally(() => {
                running--;
                lookUpNext();
            });
    }
}

function show(button, name) {
    if (name && name !== button.dataset.item) {
        button.textContent = name;
        button.title = button.dataset.item;
    }
}
