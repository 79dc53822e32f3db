// Entry point: wires the panels together. The page is plain ES modules served by the service itself;
// no inline script or handler attribute, so a Content-Security-Policy of script-src 'self' holds.

import { getApiKey, setApiKey } from './api.js';
import { clearSimilarItems, showSimilarItems } from './items-panel.js';
import { selectMatrixUser, setupMatrixPanel, showMatrices } from './matrix-panel.js';
import { loadModel, setupModelPanel, waitForTraining } from './model-panel.js';
import { announce, clearProblem, showProblem } from './status.js';
import { searchUsers, selectedUser, setupUserPanel, showUser } from './user-panel.js';

async function chooseUser(userId) {
    history.replaceState(null, '', `#user=${encodeURIComponent(userId)}`);
    await Promise.all([showUser(userId), selectMatrixUser(userId)]);
}

/** Reloads everything that depends on the serving model. */
async function refresh() {
    const model = await loadModel();
    await Promise.all([showMatrices(model), selectedUser() ? showUser(selectedUser()) : null]);
    await selectMatrixUser(selectedUser());
    return model;
}

function userFromHash() {
    const match = /^#user=(.+)$/.exec(location.hash);
    if (!match) {
        return null;
    }

    try {
        return decodeURIComponent(match[1]);
    } catch {
        return null;
    }
}

function setupKey() {
    const input = document.getElementById('api-key');
    input.value = getApiKey();
    document.getElementById('key-form').addEventListener('submit', async event => {
        event.preventDefault();
        setApiKey(input.value.trim());
        clearProblem();
        announce(input.value.trim() ? 'The API key will be sent with every request.' : 'No API key will be sent.');
        await start();
    });
    document.getElementById('key-clear').addEventListener('click', () => {
        input.value = '';
        setApiKey('');
        announce('The API key was forgotten.');
    });
}

async function start() {
    try {
        const model = await refresh();
        await searchUsers(document.getElementById('user-search').value.trim());
        const trainingPending = model.training.state === 'running' || !model.training.lastFinishedAt;
        if ((model.version === null || model.version === undefined) && trainingPending) {
            announce('No model is serving yet; waiting for the first training run…');
            await waitForTraining(model);
            await refresh();
            announce('A model is serving.');
        }

        const user = userFromHash();
        if (user) {
            await chooseUser(user);
        }

        document.body.dataset.ready = 'true';
    } catch (error) {
        showProblem(error, 'Loading the dashboard');
    }
}

document.addEventListener('click', event => {
    const item = event.target.closest('[data-item]');
    if (item) {
        showSimilarItems(item.dataset.item);
        return;
    }

    const user = event.target.closest('[data-user]');
    if (user) {
        chooseUser(user.dataset.user);
    }
});
window.addEventListener('hashchange', () => {
    const user = userFromHash();
    if (user && user !== selectedUser()) {
        chooseUser(user);
    }
});

setupKey();
setupUserPanel(chooseUser);
setupMatrixPanel();
setupModelPanel(refresh);
clearSimilarItems();
start();
