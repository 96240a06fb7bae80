// DOM building without HTML strings. Everything a shopper or an agent wrote reaches the page
// through `h()` as a text node (or through `textContent`), so no message, name, page title or
// tag can ever become markup: there is no innerHTML anywhere in the dashboard.

/**
 * Creates an element. `props`: `class`, `text`, `on<event>` handlers, `dataset` object,
 * `value`/`checked`/`disabled`/`hidden` as properties, anything else as an attribute (skipped
 * when null/false). Children: nodes, strings (as text), arrays, null (skipped).
 */
export function h(tag, props, ...children) {
  const node = tag.includes(':')
    ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(tag.indexOf(':') + 1))
    : document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') node.setAttribute('class', value);
    else if (key === 'text') node.textContent = String(value);
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (['value', 'checked', 'disabled', 'hidden', 'selected'].includes(key)) node[key] = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

/** An SVG element (`svg('rect', {...})`). */
export function svg(tag, props, ...children) {
  return h('svg:' + tag, props, ...children);
}

function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else if (child instanceof Node) node.appendChild(child);
    else node.appendChild(document.createTextNode(String(child)));
  }
}

/** Replaces every child of `node`. */
export function replace(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

/**
 * Makes `children` (nodes; null skipped) the children of `node`, in that order, touching
 * only what differs: a node already in its place is neither removed nor moved. `replace()`
 * would detach every child, and a detached element loses the keyboard focus (and a rebuilt
 * input its half-typed text); live views that redraw on every frame use this instead.
 */
export function keep(node, ...children) {
  const wanted = children.flat().filter((c) => c !== null && c !== undefined && c !== false);
  const set = new Set(wanted);
  // Remove the unwanted ones first, so the nodes that stay never need moving to close a gap.
  for (const child of [...node.childNodes]) if (!set.has(child)) child.remove();
  wanted.forEach((child, i) => {
    if (node.childNodes[i] !== child) node.insertBefore(child, node.childNodes[i] || null);
  });
  return node;
}

/** Sets `node.textContent` only when it differs (an equal write still replaces the text node). */
export function setText(node, text) {
  const value = String(text);
  if (node.textContent !== value) node.textContent = value;
  return node;
}

/** 12.5 → "12.50 EUR" (or "12.50" without a currency). */
export function money(value, currency) {
  if (value === null || value === undefined || Number.isNaN(Number(value))) return '';
  const amount = Number(value).toFixed(2);
  return currency ? `${amount} ${currency}` : amount;
}

/** 65000 → "1m 5s"; 3_700_000 → "1h 1m". */
export function duration(ms) {
  if (ms === null || ms === undefined || ms < 0) return '';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const hours = Math.floor(m / 60);
  if (hours < 48) return `${hours}h ${m % 60}m`;
  return `${Math.floor(hours / 24)}d`;
}

/** A clock time for today, a date and time otherwise. */
export function time(ts) {
  if (!ts) return '';
  const d = new Date(ts);
  const today = new Date();
  const clock = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return d.toDateString() === today.toDateString() ? clock : `${d.toLocaleDateString()} ${clock}`;
}

/**
 * Puts an API error next to the field it names: `[data-error-for="<field>"]` inside `form`
 * gets the message and the input named `<field>` gets `aria-invalid`. Errors whose field has
 * no slot go to the form's `[data-error-for="*"]`. Returns true when something was shown.
 */
export function showErrors(form, error) {
  clearErrors(form);
  const items = error.errors && error.errors.length
    ? error.errors.map((e) => ({ field: e.path || e.field, message: e.message }))
    : [{ field: error.field, message: error.message }];
  let shown = false;
  for (const item of items) {
    const slot = (item.field && form.querySelector(`[data-error-for="${CSS.escape(item.field)}"]`))
      || form.querySelector('[data-error-for="*"]');
    if (!slot) continue;
    slot.textContent = slot.textContent ? `${slot.textContent} ${item.message}` : item.message;
    slot.hidden = false;
    const input = item.field && form.querySelector(`[name="${CSS.escape(item.field)}"]`);
    if (input) input.setAttribute('aria-invalid', 'true');
    shown = true;
  }
  return shown;
}

/** Removes the messages `showErrors` put up. */
export function clearErrors(form) {
  for (const slot of form.querySelectorAll('[data-error-for]')) {
    slot.textContent = '';
    slot.hidden = true;
  }
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
}

/** A labelled form field: `<label>text <input name=…></label>` plus its error slot. */
export function field(label, input, hint) {
  return h('label', { class: 'field' },
    h('span', { class: 'field-label', text: label }),
    input,
    hint ? h('span', { class: 'hint', text: hint }) : null,
    h('span', { class: 'field-error', 'data-error-for': input.name || '', hidden: true, role: 'alert' }));
}

/**
 * Wraps `fn` so that bursts of calls run it at most once per `ms` (the last call always runs).
 * Live frames can arrive hundreds a second on a busy shop; a table redraw per frame would
 * spend the agent's CPU on pixels nobody can read that fast.
 */
export function throttle(fn, ms) {
  let timer = null;
  let last = 0;
  return () => {
    if (timer) return;
    const wait = Math.max(0, last + ms - Date.now());
    timer = setTimeout(() => { timer = null; last = Date.now(); fn(); }, wait);
  };
}
