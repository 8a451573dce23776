// Loads the wasm UI. Kept as a file (not inline) so the strict CSP needs no script hashes.
import init from './crm-ui.js';

function showBootError(message) {
  const box = document.getElementById('boot-error');
  if (box) {
    box.hidden = false;
    box.textContent = 'Keel CRM could not start: ' + message;
  }
}

window.addEventListener('error', (event) => showBootError(event.message));
window.addEventListener('unhandledrejection', (event) => showBootError(String(event.reason)));
init().catch((error) => showBootError(String(error)));
