// Heat-maps as real tables: the numbers are in the cells (for screen readers and copying), the colour is extra.

import { h, scrollRegion } from './dom.js';

// Colour-blind-safe ramps (ColorBrewer YlGnBu and RdBu).
const sequentialStops = ['#ffffd9', '#c7e9b4', '#41b6c4', '#225ea8', '#081d58'];
const divergingStops = ['#2166ac', '#92c5de', '#f7f7f7', '#f4a582', '#b2182b'];

function rgb(hex) {
    return [1, 3, 5].map(i => parseInt(hex.slice(i, i + 2), 16));
}

function ramp(stops, t) {
    const x = Math.min(1, Math.max(0, t)) * (stops.length - 1);
    const i = Math.min(stops.length - 2, Math.floor(x));
    const [a, b] = [rgb(stops[i]), rgb(stops[i + 1])];
    return a.map((v, k) => Math.round(v + (b[k] - v) * (x - i)));
}

/** A scale from [lo, hi] to colours; diverging scales are centred on zero. */
export function scale(lo, hi, diverging = false) {
    const stops = diverging ? divergingStops : sequentialStops;
    const position = diverging
        ? v => 0.5 + v / (2 * Math.max(Math.abs(lo), Math.abs(hi), 1e-9))
        : v => (v - lo) / Math.max(hi - lo, 1e-9);
    return { lo, hi, stops, color: v => ramp(stops, position(v)) };
}

function paint(element, color) {
    const [r, g, b] = color;
    element.style.setProperty('background-color', `rgb(${r} ${g} ${b})`);
    // Relative luminance decides the text colour, so every number stays readable.
    const luminance = (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
    element.style.setProperty('color', luminance < 0.5 ? '#fff' : '#111');
}

/** The colour bar under a heat-map with its two ends. */
export function legend(colorScale, label, format = v => v.toFixed(1)) {
    const bar = h('span', { class: 'legend-bar', 'aria-hidden': 'true' });
    bar.style.setProperty('background-image', `linear-gradient(to right, ${colorScale.stops.join(', ')})`);
    return h('p', { class: 'legend' }, h('span', {}, label), ' ', h('span', { class: 'num' }, format(colorScale.lo)), bar,
        h('span', { class: 'num' }, format(colorScale.hi)));
}

/**
 * columns: [{ id, label: Node|string }]; rows: [{ id, label: Node|string, selected, cells: [{ value, text, title, marked }] }].
 * A cell whose value is null stays uncoloured.
 */
export function heatmap({ caption, columns, rows, colorScale, id, corner = '' }) {
    const head = h('tr', {}, h('td', { class: 'corner' }, corner), columns.map(c => h('th', { scope: 'col', class: 'col-head' }, h('span', {}, c.label))));
    const body = rows.map(row => h('tr', { class: row.selected ? 'selected' : null, 'aria-current': row.selected ? 'true' : null },
        h('th', { scope: 'row', class: 'row-head' }, row.label),
        row.cells.map(cell => {
            const td = h('td', { class: cell.marked ? 'cell marked' : 'cell', title: cell.title }, cell.text);
            if (cell.value !== null && cell.value !== undefined && Number.isFinite(cell.value)) {
                paint(td, colorScale.color(cell.value));
            } else {
                td.classList.add('empty');
            }

            return td;
        })));
    const table = h('table', { id, class: 'heatmap' }, h('caption', {}, caption), h('thead', {}, head), h('tbody', {}, body));
    return scrollRegion(table, caption);
}
