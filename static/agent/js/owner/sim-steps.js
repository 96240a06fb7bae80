// Journey steps for the rule simulator: one row per browsing event (seconds from the start,
// the event, and the props that event carries), with preset fields for the events the server
// understands and a JSON box for anything else. Also turns live visitor changes into steps.

import { h, replace } from '../dom.js';
import { errorSlot } from './ui.js';

/** Preset events and their props: [key, label, type]. */
const PRESETS = {
  page_view: [['url', 'URL', 'url'], ['title', 'Title', 'text'], ['type', 'Page type', ['other', 'product', 'cart', 'checkout']]],
  product_view: [['sku', 'SKU', 'text'], ['name', 'Name', 'text'], ['price', 'Price', 'number'], ['category', 'Category', 'text']],
  cart_update: [['total', 'Total', 'number'], ['currency', 'Currency', 'text'], ['items', 'Items (sku x qty, …)', 'items']],
  add_to_cart: [['sku', 'SKU', 'text'], ['qty', 'Qty', 'number'], ['price', 'Price', 'number']],
  exit_intent: [],
  idle: [['seconds', 'Idle seconds', 'number']],
  scroll_depth: [['percent', 'Percent', 'number']],
  widget_open: [],
  purchase: [['order_id', 'Order id', 'text'], ['total', 'Total', 'number'], ['currency', 'Currency', 'text']],
  identify: null,
};


/** An example journey: home, then a product page long enough for a dwell rule, then the cart. */
export function exampleJourney() {
  const o = location.origin;
  return [
    { at: 0, event: 'page_view', props: { url: `${o}/demo/`, title: 'Home', type: 'other' } },
    { at: 8, event: 'page_view', props: { url: `${o}/demo/jacket.html`, title: 'Alpine Down Jacket', type: 'product' } },
    { at: 8, event: 'product_view', props: { sku: 'JKT-ALPINE', name: 'Alpine Down Jacket', price: 189 } },
    { at: 95, event: 'cart_update', props: { total: 189, currency: 'EUR', items: [{ sku: 'JKT-ALPINE', qty: 1, price: 189 }] } },
    { at: 100, event: 'page_view', props: { url: `${o}/demo/checkout.html`, title: 'Checkout', type: 'checkout' } },
  ];
}

/** A step row; `row.read()` gives `{at, event, props}`, `row.setIndex(i)` re-points its slots. */
export function stepRow(step, { onChange, onRemove }) {
  const at = h('input', { name: 'at', type: 'number', min: 0, step: 'any', value: step.at ?? 0, 'aria-label': 'Seconds from start' });
  const isPreset = Object.prototype.hasOwnProperty.call(PRESETS, step.event);
  const event = h('select', { name: 'event', 'aria-label': 'Event' },
    Object.keys(PRESETS).map((e) => h('option', { value: e, text: e })), h('option', { value: '', text: 'other…' }));
  event.value = isPreset ? step.event : '';
  const props = h('div', { class: 'step-props' });
  const atSlot = errorSlot('');
  const eventSlot = errorSlot('');
  const row = h('div', { class: 'step-row', 'data-role': 'step' },
    h('div', { class: 'field' }, h('span', { class: 'field-label', 'aria-hidden': 'true', text: 'At (s)' }), at, atSlot),
    h('div', { class: 'field' }, h('span', { class: 'field-label', 'aria-hidden': 'true', text: 'Event' }), event, eventSlot),
    props,
    h('button', { type: 'button', class: 'ghost danger row-remove', 'data-role': 'remove', 'aria-label': 'Remove this step', text: 'Remove', onclick: () => onRemove(row) }));
  let values = { name: isPreset ? '' : step.event || '', props: { ...(step.props || {}) } };
  const draw = () => {
    replace(props, propFields(event.value, values));
    if (row.dataset.index) row.setIndex(Number(row.dataset.index));
  };
  event.addEventListener('change', () => { values = { name: values.name, props: row.read().props }; draw(); onChange(); });
  row.read = () => readStep(at.value, event.value, props);
  row.setIndex = (i) => {
    row.dataset.index = String(i);
    atSlot.dataset.errorFor = `steps[${i}].at`;
    eventSlot.dataset.errorFor = `steps[${i}].event`;
    for (const slot of props.querySelectorAll('[data-key]')) slot.dataset.errorFor = `steps[${i}].${slot.dataset.key}`;
  };
  draw();
  return row;
}

function propFields(event, values) {
  const spec = event ? PRESETS[event] : null;
  const wrap = (label, control, key, wide) => h('label', { class: `field ${wide ? 'wide' : ''}` },
    h('span', { class: 'field-label', text: label }), control,
    h('span', { class: 'field-error', 'data-key': key, 'data-error-for': '', role: 'alert', hidden: true }));
  if (!spec) {
    // Anything the presets do not cover: the event's name and its props as JSON.
    const extra = Object.keys(values.props).length ? JSON.stringify(values.props) : '';
    return [
      event ? null : wrap('Event name', h('input', { name: 'event_name', value: values.name, placeholder: 'newsletter_signup' }), 'event'),
      wrap('Props (JSON)', h('input', { name: 'props', value: extra, placeholder: '{"plan": "pro"}' }), 'props', true),
    ];
  }
  if (!spec.length) return [h('span', { class: 'hint', text: 'No props.' })];
  return spec.map(([key, label, type]) => wrap(label, propInput(key, type, values.props[key]), `props.${key}`, type === 'url'));
}

function propInput(key, type, value) {
  if (Array.isArray(type)) {
    const s = h('select', { name: key, 'data-prop': key }, type.map((t) => h('option', { value: t, text: t })));
    s.value = type.includes(value) ? value : type[0];
    return s;
  }
  if (type === 'items') {
    const text = Array.isArray(value) ? value.map((i) => `${i.sku} x${i.qty || 1}${i.price !== undefined ? ' @' + i.price : ''}`).join(', ') : '';
    return h('input', { name: key, 'data-prop': key, 'data-type': 'items', value: text, placeholder: 'JKT-RAIN x1 @129' });
  }
  return h('input', { name: key, 'data-prop': key, 'data-type': type, type: type === 'number' ? 'number' : type === 'url' ? 'url' : 'text',
    step: type === 'number' ? 'any' : null, value: value ?? '' });
}

function readStep(atText, event, props) {
  const at = atText !== '' && Number.isFinite(Number(atText)) ? Number(atText) : atText;
  if (!event) {
    const name = props.querySelector('[name=event_name]');
    return { at, event: name ? name.value.trim() : '', props: parseProps(props) };
  }
  if (!PRESETS[event]) return { at, event, props: parseProps(props) };
  const out = {};
  for (const input of props.querySelectorAll('[data-prop]')) {
    const v = input.value.trim();
    if (v === '') continue;
    if (input.dataset.type === 'number') out[input.dataset.prop] = Number.isFinite(Number(v)) ? Number(v) : v;
    else if (input.dataset.type === 'items') out.items = parseItems(v);
    else out[input.dataset.prop] = v;
  }
  return { at, event, props: out };
}

function parseProps(props) {
  const input = props.querySelector('[name=props]');
  if (!input || !input.value.trim()) return {};
  try { return JSON.parse(input.value); } catch { return { _invalid_json: input.value }; }
}

/** "JKT x2 @129, SOCK" → [{sku: 'JKT', qty: 2, price: 129}, {sku: 'SOCK', qty: 1}] */
function parseItems(text) {
  return text.split(',').map((s) => s.trim()).filter(Boolean).map((part) => {
    const m = /^(\S+)(?:\s*x\s*(\d+))?(?:\s*@\s*([\d.]+))?$/i.exec(part);
    if (!m) return { sku: part };
    const item = { sku: m[1], qty: m[2] ? Number(m[2]) : 1 };
    if (m[3]) item.price = Number(m[3]);
    return item;
  });
}

const LEFT_GRACE_MS = 20000;

/**
 * Records a live visitor: every page or cart change of `visitorId` becomes a step, timed
 * from the start. Returns `stop()`. `onStep(step)` gets each step; `onEnd(reason)` when the
 * visitor leaves.
 */
export function recordVisitor(live, visitorId, { onStep, onEnd }) {
  const t0 = Date.now();
  const seconds = () => Math.round((Date.now() - t0) / 100) / 10;
  let last = null;
  let gone = null;
  const observe = () => {
    const v = live.visitors.get(visitorId);
    // Going to another page closes the shopper's socket for a moment: only a visitor who
    // stays away ends the recording.
    if (!v) {
      if (!gone) gone = setTimeout(() => { stop(); onEnd('The visitor left the shop; recording stopped.'); }, LEFT_GRACE_MS);
      return;
    }
    clearTimeout(gone);
    gone = null;
    const page = v.current_page || null;
    if (page && (!last || !last.page || last.page.url !== page.url)) {
      const props = { url: page.url, type: page.type || 'other' };
      if (page.title) props.title = page.title;
      onStep({ at: seconds(), event: 'page_view', props });
    }
    if (last ? (last.total !== v.cart_total || last.items !== v.cart_items) : v.cart_items > 0) {
      // The live view has only the cart's total and unit count, not its lines: one
      // placeholder line keeps `cart.items` right for rules that test it.
      const props = { total: v.cart_total, items: v.cart_items > 0 ? [{ sku: 'recorded', qty: Math.min(v.cart_items, 10000) }] : [] };
      if (v.currency) props.currency = v.currency;
      onStep({ at: seconds(), event: 'cart_update', props });
    }
    last = { page, total: v.cart_total, items: v.cart_items };
  };
  const off = live.on('visitors', observe);
  function stop() { off(); clearTimeout(gone); }
  observe();
  return stop;
}

