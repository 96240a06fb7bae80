// Small building blocks shared by the owner console pages: page headers, sections, a
// confirmation dialog, error routing to the nearest error slot, and loading/failure notes.

import { h, replace, showErrors, clearErrors } from '../dom.js';

/** A page's title row with optional buttons on the right. */
export function pageHeader(title, ...buttons) {
  return h('div', { class: 'toolbar' }, h('h1', { text: title }), ...buttons);
}

/** A titled card section. */
export function section(title, ...children) {
  return h('section', { class: 'card owner-section' }, h('h2', { text: title }), ...children);
}

/** The catch-all error slot every form carries, for errors no field claims. */
export function formError() {
  return h('p', { class: 'form-error', 'data-error-for': '*', role: 'alert', hidden: true });
}

/** An error slot for a field path (`conditions.all[0].value`). */
export function errorSlot(path) {
  return h('span', { class: 'field-error', 'data-error-for': path, role: 'alert', hidden: true });
}

/**
 * Shows an API error in `form`, each message at the closest slot: a path with no slot of its
 * own (`origins[2]`, `conditions.all[0].value[1]`) is shortened until one matches, so a
 * message lands next to the input it is about instead of in the catch-all.
 */
export function showApiError(form, error, rename = (p) => p) {
  const items = error && error.errors && error.errors.length
    ? error.errors.map((e) => ({ path: e.path || e.field, message: e.message }))
    : [{ path: error && error.field, message: (error && error.message) || String(error) }];
  const routed = items.map((item) => {
    const path = item.path ? rename(item.path) : null;
    const slot = path ? closestSlot(form, path) : null;
    const lines = slot && form.querySelector(`textarea[name="${CSS.escape(slot)}"]`);
    return { path: slot, message: describe(item, path, slot, lines ? 'Line' : 'Item') };
  });
  showErrors(form, { errors: routed.map((r) => ({ path: r.path, message: r.message })) });
  for (const r of routed) {
    if (!r.path) continue;
    for (const input of form.querySelectorAll(`[data-path="${CSS.escape(r.path)}"]`)) input.setAttribute('aria-invalid', 'true');
  }
  const first = form.querySelector('[data-error-for]:not([hidden])');
  if (first) first.scrollIntoView({ block: 'nearest' });
}

/** The message, naming the list item (or textarea line) when the slot is for the whole list. */
function describe(item, path, slot, noun) {
  const m = path && path !== slot && /\[(\d+)\]$/.exec(path);
  return m ? `${noun} ${Number(m[1]) + 1}: ${item.message}` : item.message;
}

function closestSlot(form, path) {
  let p = path;
  while (p) {
    if (form.querySelector(`[data-error-for="${CSS.escape(p)}"]`)) return p;
    const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
    p = cut > 0 ? p.slice(0, cut) : '';
  }
  return null;
}

export { clearErrors };

/** Asks a yes/no question in a modal dialog; resolves true when confirmed. */
export function confirmDialog(question, confirmLabel = 'Delete') {
  return new Promise((resolve) => {
    const done = (answer) => { dialog.close(); dialog.remove(); resolve(answer); };
    const dialog = h('dialog', { 'data-role': 'confirm', 'aria-label': question },
      h('p', { text: question }),
      h('div', { class: 'actions owner-dialog-actions' },
        h('button', { type: 'button', 'data-role': 'confirm-cancel', text: 'Cancel', onclick: () => done(false) }),
        h('button', { type: 'button', class: 'danger', 'data-role': 'confirm-ok', text: confirmLabel, onclick: () => done(true) })));
    // Escape closes the dialog without an answer: that is a "no".
    dialog.addEventListener('cancel', (ev) => { ev.preventDefault(); done(false); });
    document.body.append(dialog);
    dialog.showModal();
    dialog.querySelector('[data-role=confirm-cancel]').focus();
  });
}

/** Replaces `node`'s content with a loading line. */
export function loading(node) {
  replace(node, h('p', { class: 'muted', text: 'Loading…' }));
}

/** Replaces `node`'s content with a failure message that says what to do. */
export function failed(node, what, error) {
  replace(node, h('p', { class: 'error', role: 'alert', 'data-role': 'load-error',
    text: `Could not load ${what}: ${error.message}. Reload the page to try again.` }));
}

/** A labelled checkbox in one line. */
export function checkbox(label, props) {
  return h('label', { class: 'check' }, h('input', { type: 'checkbox', ...props }), h('span', { text: label }));
}

/** "a, b ,,c" → ["a", "b", "c"]. */
export function splitList(text) {
  return String(text || '').split(/[,\n]/).map((s) => s.trim()).filter(Boolean);
}

/** Disables a submit button while `work` runs, so a double click does not save twice. */
export async function busy(button, work) {
  button.disabled = true;
  try { return await work(); } finally { button.disabled = false; }
}

/**
 * A labelled field like dom.js `field()`, but the hint may be a node (a live hint) and the
 * error slot may name a path other than the input's name (`conditions.all[0].value`).
 */
export function labelled(label, input, hint, path = input.name || '') {
  return h('label', { class: 'field' },
    h('span', { class: 'field-label', text: label }),
    input,
    hint ? (hint instanceof Node ? h('span', { class: 'hint' }, hint) : h('span', { class: 'hint', text: hint })) : null,
    errorSlot(path));
}

let tabIds = 0;

/**
 * Accessible tabs (WAI-ARIA tabs pattern: arrow keys move between them). `items` are
 * `[name, label, panel]`; each panel is linked to its tab for screen readers.
 */
export function tabBar(items, onSelect) {
  const buttons = items.map(([name, label, panel]) => {
    const id = `tab-${++tabIds}`;
    const button = h('button', { type: 'button', role: 'tab', id, 'data-role': `tab-${name}`, 'data-tab': name, text: label,
      onclick: () => select(name),
      onkeydown: (ev) => {
        const i = items.findIndex(([n]) => n === name);
        const step = ev.key === 'ArrowRight' ? 1 : ev.key === 'ArrowLeft' ? -1 : 0;
        if (!step) return;
        const next = buttons[(i + step + items.length) % items.length];
        select(next.dataset.tab);
        next.focus();
      } });
    if (panel) {
      panel.id = panel.id || `${id}-panel`;
      panel.setAttribute('aria-labelledby', id);
      button.setAttribute('aria-controls', panel.id);
    }
    return button;
  });
  function select(name) {
    for (const b of buttons) {
      const on = b.dataset.tab === name;
      b.setAttribute('aria-selected', String(on));
      b.tabIndex = on ? 0 : -1;
    }
    onSelect(name);
  }
  const node = h('div', { class: 'tabs', role: 'tablist' }, buttons);
  select(items[0][0]);
  return { node, select };
}
