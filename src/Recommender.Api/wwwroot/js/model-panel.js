// The model column: GET /api/model (version, algorithm, holdout metrics, the per-epoch training history),
// GET /api/model/versions with "activate" (which pins the version), "unpin" (DELETE /api/model/pin), and "retrain"
// (202, then poll until the trainer reports back).

import { request, url } from './api.js';
import { lineChart } from './chart.js';
import { dataTable, fill, fmt, h, note, when } from './dom.js';
import { announce, clearProblem, showProblem } from './status.js';

const pollMilliseconds = 500;
const pollLimitMilliseconds = 10 * 60 * 1000;
let modelChanged = async () => {};

export function setupModelPanel(onModelChanged) {
    modelChanged = onModelChanged;
    document.getElementById('retrain').addEventListener('click', retrain);
    document.getElementById('unpin').addEventListener('click', unpin);
    document.getElementById('versions').addEventListener('click', event => {
        const button = event.target.closest('button[data-version]');
        if (button) {
            activate(Number(button.dataset.version));
        }
    });
}

/** Loads and shows the serving model and the version list; returns the model response. */
export async function loadModel() {
    const [model, versions] = await Promise.all([request('api/model'), request('api/model/versions')]);
    showModel(model);
    showVersions(versions);
    return model;
}

/** Factors and epochs, or for a blend the factors each part takes side by side. */
function shape(p) {
    if (p.parts) {
        const width = part => (part.algorithm === 'Bayesian' ? `${part.factors} × ${part.samples} samples` : `${part.factors}`);
        return `${p.factors} factors: ${p.parts.map(part => `${part.algorithm} ${width(part)}`).join(' + ')}`;
    }

    return `${p.factors} factors · ${p.epochs} ${p.epochs === 1 ? 'epoch' : 'epochs'}`;
}

function showModel(model) {
    const p = model.parameters ?? {};
    const m = model.metrics;
    document.getElementById('model-version').textContent = model.version ?? 'none yet';
    document.getElementById('model-algorithm').textContent = model.algorithm
        ? `${model.algorithm} · ${shape(p)}` + (model.ranking ? ` · ranking by ${model.ranking.algorithm}` : '') : '–';
    document.getElementById('model-trained').textContent = when(model.trainedAt);
    document.getElementById('model-counts').textContent = model.counts
        ? `${model.counts.users} users × ${model.counts.items} items, ${model.counts.ratings} ratings` : '–';
    document.getElementById('model-holdout').textContent = m ? `${m.testCount} ratings` : 'none';
    for (const [id, value, digits] of [['rmse', m?.rmse, 3], ['mae', m?.mae, 3]]) {
        document.getElementById(`metric-${id}`).textContent = fmt(value, digits);
    }

    showRankingMetrics(model);
    showTuning(model.tuning);

    const pinned = model.pinnedVersion ?? null;
    document.getElementById('model-pin').textContent = pinned === null
        ? 'no: training runs publish when they pass the quality gate'
        : `version ${pinned}: automatic training runs leave it serving until it is unpinned or a manual retrain publishes`;
    document.getElementById('unpin').hidden = pinned === null;
    showTraining(model.training);
    const epochs = model.history ?? [];
    fill(document.getElementById('loss-charts'), epochs.length === 0 ? note('No training history.') : [
        chartFigure('Training objective (regularized squared error) per epoch', [
            { name: 'objective', className: 'objective', points: epochs.map(e => ({ x: e.epoch, y: e.objective })) },
        ]),
        chartFigure('RMSE per epoch', [
            { name: 'train RMSE', className: 'train', points: epochs.map(e => ({ x: e.epoch, y: e.trainRmse })) },
            { name: 'validation RMSE', className: 'validation', points: epochs.map(e => ({ x: e.epoch, y: e.validationRmse })) },
        ]),
    ]);
}

/** The hyperparameter search the serving version trained with (Training:Tune), one row per setting tried. */
function showTuning(tuning) {
    fill(document.getElementById('tuning'), !tuning ? [] : dataTable({
        id: 'tuning-table',
        caption: `Hyperparameter search of version ${tuning.ranInVersion} (${when(tuning.ranAt)}): `
            + `${tuning.folds}-fold cross-validation on ${tuning.ratings} training ratings, ${fmt(tuning.seconds, 1)} s`
            + (tuning.timedOut ? ', cut short by the time box' : ''),
        columns: ['Factors', 'λ', 'Samples', 'CV RMSE', '± sd', 'Chosen'],
        numeric: [0, 1, 2, 3, 4],
        rows: tuning.candidates.map(c => [
            String(c.factors), fmt(c.regularization, 3), String(c.samples),
            c.rmse === null ? (c.skipped ?? '–') : fmt(c.rmse, 4), fmt(c.rmseStdDev, 4), c.chosen ? 'yes' : '']),
    }));
}

/** Top-10 quality on the holdout: the ranking model, popularity beside it, and the rating model's own ranking. */
function showRankingMetrics(model) {
    const r = model.ranking;
    const rows = [
        r ? [`ranking model (${r.algorithm})`, r.metrics] : null,
        r ? ['most popular', r.popularity] : null,
        [`rating model (${model.algorithm ?? '–'})`, model.metrics],
    ].filter(row => row !== null);
    fill(document.getElementById('ranking-metrics'), dataTable({
        id: 'ranking-metrics-table',
        caption: 'Top-10 quality on the holdout',
        columns: ['Ranked by', 'NDCG@10', 'P@10', 'R@10'],
        numeric: [1, 2, 3],
        rows: rows.map(([name, m]) => [name, fmt(m?.ndcgAt10, 3), fmt(m?.precisionAt10, 3), fmt(m?.recallAt10, 3)]),
    }));
}

function chartFigure(title, series) {
    const shown = series.filter(line => line.points.some(p => p.y !== null && p.y !== undefined));
    return h('figure', { class: 'chart-figure' },
        h('figcaption', {}, title),
        lineChart({ title, series: shown }),
        shown.length > 1 ? h('ul', { class: 'chart-legend' }, shown.map(line => h('li', { class: line.className }, line.name))) : null);
}

function showTraining(training) {
    const parts = [training.state];
    if (training.lastOutcome) {
        parts.push(`last run ${training.lastOutcome} ${when(training.lastFinishedAt)}`);
    }

    document.getElementById('model-training').textContent = parts.join(' · ');
    document.getElementById('model-error').textContent = training.lastError ?? '';
}

function showVersions(versions) {
    const shown = versions.slice(0, 10);
    fill(document.getElementById('versions'), versions.length === 0 ? note('No training run yet.') : [
        dataTable({
            id: 'versions-table',
            caption: versions.length > shown.length ? `Model versions (newest ${shown.length} of ${versions.length})` : 'Model versions',
            columns: ['Version', 'State', 'RMSE'],
            numeric: [2],
            rows: shown.map(v => [
                [String(v.version), h('span', { class: 'created' }, when(v.createdAt))],
                [
                    h('span', { class: `state state-${v.state}`, title: v.error ?? v.note ?? `${v.ratingCount} ratings` }, v.note ? `${v.state} (forced)` : v.state),
                    v.state === 'kept'
                        ? h('button', { type: 'button', class: 'activate', dataset: { version: v.version }, 'aria-label': `Activate version ${v.version}` }, 'Activate')
                        : null,
                ],
                fmt(v.metrics?.rmse, 3),
            ]),
        }),
    ]);
}

async function activate(version) {
    try {
        announce(`Activating version ${version}…`);
        await request(url`api/model/versions/${version}/activate`, { method: 'POST' });
        clearProblem();
        await modelChanged();
        announce(`Version ${version} is serving, pinned.`);
    } catch (error) {
        showProblem(error, `Activating version ${version}`);
    }
}

async function unpin() {
    try {
        await request('api/model/pin', { method: 'DELETE' });
        clearProblem();
        await modelChanged();
        announce('Unpinned: the next automatic training run may replace the serving version.');
    } catch (error) {
        showProblem(error, 'Unpinning');
    }
}

async function retrain() {
    const button = document.getElementById('retrain');
    button.disabled = true;
    try {
        const before = await request('api/model');
        await request('api/model/retrain', { method: 'POST' });
        announce('Training requested…');
        const after = await waitForTraining(before);
        if (after.training.lastOutcome === 'rejected' || after.training.lastOutcome === 'failed') {
            showProblem(new Error(`the run was ${after.training.lastOutcome}: ${after.training.lastError ?? 'no reason given'}`), 'Retraining');
        }

        await modelChanged();
        announce(after.version !== before.version ? `Version ${after.version} is serving.` : `Training ${after.training.lastOutcome}; version ${after.version} is still serving.`);
    } catch (error) {
        showProblem(error, 'Retraining');
    } finally {
        button.disabled = false;
    }
}

/** Polls GET /api/model until the serving version or the trainer's last finish changes. */
export async function waitForTraining(before) {
    const deadline = Date.now() + pollLimitMilliseconds;
    while (Date.now() < deadline) {
        await new Promise(resolve => setTimeout(resolve, pollMilliseconds));
        const now = await request('api/model');
        showTraining(now.training);
        if (now.training.state !== 'running' && (now.version !== before.version || now.training.lastFinishedAt !== before.training.lastFinishedAt)) {
            return now;
        }
    }

    throw new Error('training did not finish within ten minutes');
}
