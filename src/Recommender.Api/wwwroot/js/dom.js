// Small DOM helpers. Text always goes in through textContent, never innerHTML: ids are user data.
import { nameItemButton } from './item-names.js';

/** Creates an element: props sets attributes ("class", "text" and "dataset" are special), children are nodes or text. */
export function h(tag, props = {}, ...children) {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(props ?? {})) {
        if (value === undefined || value === null || value === false) {
            continue;
        }

        if (name === 'class') {
            element.className = value;
        } else if (name === 'text') {
            element.textContent = value;
        } else if (name === 'dataset') {
            Object.assign(element.dataset, value);
        } else {
            element.setAttribute(name, value === true ? '' : String(value));
        }
    }

    append(element, children);
    return element;
}

function append(element, children) {
    for (const child of children.flat()) {
        if (child !== undefined && child !== null && child !== false) {
            element.append(child instanceof Node ? child : document.createTextNode(String(child)));
        }
    }
}

/** Replaces an element's content. */
export function fill(element, ...children) {
    element.replaceChildren();
    append(element, children);
}

/** A number with fixed decimals; an en dash when absent. */
export function fmt(value, digits = 2) {
    return value === null || value === undefined || !Number.isFinite(Number(value)) ? '–' : Number(value).toFixed(digits);
}

/** A date and time in the reader's locale. */
export function when(value) {
    return value ? new Date(value).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' }) : '–';
}

/** A button naming an item (by its name once known); a click anywhere on the page shows its similar items (see main.js). */
export function itemButton(itemId) {
    const button = h('button', { type: 'button', class: 'link item-link', dataset: { item: itemId } }, itemId);
    nameItemButton(button, itemId);
    return button;
}

/** A button naming a user; a click selects the user. */
export function userButton(userId, extra) {
    return h('button', { type: 'button', class: 'link user-link', dataset: { user: userId } }, userId, extra);
}

/**
 * A table with a caption, column headers (scope=col) and rows whose first cell is a row header (scope=row),
 * inside a focusable region that scrolls sideways on a narrow screen.
 */
export function dataTable({ caption, columns, rows, id, className, numeric = [] }) {
    const head = h('tr', {}, columns.map((label, i) => h('th', { scope: 'col', class: numeric.includes(i) ? 'num' : null }, label)));
    const body = rows.map(cells => h('tr', {}, cells.map((cell, i) => i === 0
        ? h('th', { scope: 'row' }, cell)
        : h('td', { class: numeric.includes(i) ? 'num' : null }, cell))));
    const table = h('table', { id, class: className }, h('caption', {}, caption), h('thead', {}, head), h('tbody', {}, body));
    return scrollRegion(table, typeof caption === 'string' ? caption : null);
}

/** Wraps wide content so that it scrolls by itself and can be scrolled from the keyboard. */
export function scrollRegion(content, label) {
    return h('div', { class: 'scroll', tabindex: 0, role: 'region', 'aria-label': label }, content);
}

/** A short note in place of missing content. */
export function note(text) {
    return h('p', { class: 'note' }, text);
}
