// Loads the wasm UI. Kept as a file (not inline) so the strict CSP needs no script hashes.
import init from './crm-ui.js';

function showBootError(message) {
  const box = document.getElementById('boot-error');
  if (box) {
    box.hidden = false;
    box.textContent = 'Keel CRM could not start: ' + message;
  }
}

// A Rust panic is printed by console_error_panic_hook just before the wasm traps; keep that
// message, so the banner (and a failing end-to-end test) says which rule broke, not only
// "unreachable".
let lastPanic = '';
const consoleError = console.error.bind(console);
console.error = (...args) => {
  const text = args.map(String).join(' ');
  if (text.includes('panicked at')) lastPanic = text.split('\n').slice(0, 3).join(' ');
  consoleError(...args);
};

window.addEventListener('error', (event) => showBootError(lastPanic ? lastPanic + ' (' + event.message + ')' : event.message));
window.addEventListener('unhandledrejection', (event) => showBootError(String(event.reason)));
init().catch((error) => showBootError(String(error)));
