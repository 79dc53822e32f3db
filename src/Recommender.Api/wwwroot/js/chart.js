// Line charts drawn as SVG: the training history per epoch. No library; colours come from the stylesheet.

const ns = 'http://www.w3.org/2000/svg';

function s(tag, attributes = {}, text) {
    const element = document.createElementNS(ns, tag);
    for (const [name, value] of Object.entries(attributes)) {
        element.setAttribute(name, String(value));
    }

    if (text !== undefined) {
        element.textContent = text;
    }

    return element;
}

function tickText(value) {
    return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 10 ? value.toFixed(1) : value.toFixed(3);
}

/**
 * series: [{ name, className, points: [{ x, y }] }] (y may be null: a gap). Returns an <svg role="img">
 * whose label says where each series starts and ends.
 */
export function lineChart({ title, series, xLabel = 'epoch', width = 320, height = 150 }) {
    const margin = { left: 48, right: 10, top: 8, bottom: 26 };
    const points = series.flatMap(line => line.points.filter(p => p.y !== null && Number.isFinite(p.y)));
    const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', class: 'chart' });
    if (points.length === 0) {
        svg.setAttribute('aria-label', `${title}: no data`);
        return svg;
    }

    const [x0, x1] = [Math.min(...points.map(p => p.x)), Math.max(...points.map(p => p.x))];
    let [y0, y1] = [Math.min(...points.map(p => p.y)), Math.max(...points.map(p => p.y))];
    if (y1 - y0 < 1e-9) {
        [y0, y1] = [y0 - 1, y1 + 1];
    }

    const px = x => margin.left + (x1 === x0 ? 0.5 : (x - x0) / (x1 - x0)) * (width - margin.left - margin.right);
    const py = y => height - margin.bottom - (y - y0) / (y1 - y0) * (height - margin.top - margin.bottom);
    const plotBottom = height - margin.bottom;
    svg.append(
        s('line', { x1: margin.left, y1: margin.top, x2: margin.left, y2: plotBottom, class: 'axis' }),
        s('line', { x1: margin.left, y1: plotBottom, x2: width - margin.right, y2: plotBottom, class: 'axis' }));
    for (const y of [y0, (y0 + y1) / 2, y1]) {
        svg.append(
            s('line', { x1: margin.left, y1: py(y), x2: width - margin.right, y2: py(y), class: 'grid' }),
            s('text', { x: margin.left - 4, y: py(y) + 4, 'text-anchor': 'end', class: 'tick' }, tickText(y)));
    }

    svg.append(
        s('text', { x: margin.left, y: height - 8, 'text-anchor': 'start', class: 'tick' }, String(x0)),
        s('text', { x: width - margin.right, y: height - 8, 'text-anchor': 'end', class: 'tick' }, String(x1)),
        s('text', { x: (margin.left + width - margin.right) / 2, y: height - 8, 'text-anchor': 'middle', class: 'tick' }, xLabel));
    const summary = [];
    for (const line of series) {
        const segments = [];
        let current = [];
        for (const p of line.points) {
            if (p.y === null || !Number.isFinite(p.y)) {
                current = [];
            } else {
                if (current.length === 0) {
                    segments.push(current);
                }

                current.push(`${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`);
            }
        }

        for (const segment of segments) {
            svg.append(s('polyline', { points: segment.join(' '), class: `series ${line.className}` }));
        }

        const known = line.points.filter(p => p.y !== null && Number.isFinite(p.y));
        if (known.length > 0) {
            const [first, last] = [known[0], known[known.length - 1]];
            summary.push(`${line.name} from ${tickText(first.y)} at ${xLabel} ${first.x} to ${tickText(last.y)} at ${xLabel} ${last.x}`);
        }
    }

    svg.setAttribute('aria-label', `${title}: ${summary.join('; ')}.`);
    return svg;
}
