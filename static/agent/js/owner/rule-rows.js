// The repeating rows of the rule form: one condition test (fact, operator, typed value) and
// one action (type and the fields that type needs). Each row can read itself back to JSON
// and re-point its error slots when rows are added, removed or the all/any switch flips,
// because the server names errors by position (`conditions.any[2].value`).

import { h, replace } from '../dom.js';
import { FACTS, OPS, SUGGESTIONS, factInfo, opsFor } from './rule-model.js';
import { errorSlot } from './ui.js';

let uid = 0;
const nextId = (prefix) => `${prefix}-${++uid}`;

/** A labelled control inside a row; `key` is the last segment of its error path. */
function cell(label, control, key, extraClass) {
  const id = control.id || (control.id = nextId('f'));
  control.dataset.key = key;
  return h('div', { class: `field ${extraClass || ''}` },
    h('label', { class: 'field-label', for: id, text: label }), control, errorSlot(''));
}

/** Points every slot and control of a row at `prefix` (`conditions.all[0]`). */
function setPaths(row, prefix) {
  row.dataset.path = prefix;
  const rowSlot = row.querySelector(':scope > .row-error');
  if (rowSlot) rowSlot.dataset.errorFor = prefix;
  for (const f of row.querySelectorAll('.field')) {
    const control = f.querySelector('[data-key]');
    const slot = f.querySelector(':scope > [data-error-for]');
    if (!control || !slot) continue;
    const path = `${prefix}.${control.dataset.key}`;
    slot.dataset.errorFor = path;
    control.dataset.path = path;
  }
}

function removeButton(what, onRemove) {
  return h('button', { type: 'button', class: 'ghost danger row-remove', 'data-role': 'remove', 'aria-label': `Remove this ${what}`, text: 'Remove', onclick: onRemove });
}

// ---- conditions ---------------------------------------------------------------------------

/** A condition row for one test `{fact, op, value}`. */
export function conditionRow(test, { onChange, onRemove }) {
  const named = factInfo(test.fact);
  const fact = h('select', { name: 'fact' },
    FACTS.map((f) => h('option', { value: f.name, text: `${f.label} — ${f.name}` })),
    FACTS.some((f) => f.name === named.name) ? null : h('option', { value: test.fact, text: test.fact }));
  fact.value = named.name;
  const attribute = h('input', { name: 'attribute', placeholder: 'plan', value: test.fact && test.fact.startsWith('visitor.') ? test.fact.slice(8) : '' });
  const attributeCell = cell('Attribute name', attribute, 'fact');
  const op = h('select', { name: 'op' });
  const valueBox = h('div', { class: 'value-box' });
  const row = h('div', { class: 'cond-row', 'data-role': 'condition' },
    h('div', {}, cell('Fact', fact, 'fact'), attributeCell),
    cell('Operator', op, 'op'),
    valueBox,
    removeButton('condition', () => onRemove(row)),
    h('span', { class: 'field-error row-error', 'data-error-for': '', role: 'alert', hidden: true }));

  let current = loadValue(test);
  const drawOps = () => {
    const kind = factInfo(fact.value).kind;
    const allowed = opsFor(kind);
    const chosen = allowed.includes(op.value) ? op.value : allowed.includes(current.op) ? current.op : allowed[0];
    replace(op, allowed.map((o) => h('option', { value: o, text: OPS[o] })));
    op.value = chosen;
    attributeCell.hidden = fact.value !== 'visitor.*';
  };
  const drawValue = () => {
    const info = factInfo(fact.value);
    const label = op.value === 'exists' ? 'Is known' : isCheck(info, op.value) ? 'Is true' : 'Value';
    replace(valueBox, cell(label, valueControl(info, op.value, current.value), 'value'));
    if (row.dataset.path) setPaths(row, row.dataset.path);
  };
  let kind = factInfo(fact.value).kind;
  fact.addEventListener('change', () => {
    // A value typed for another kind of fact ("30" seconds, then a page path) is rarely
    // what the owner means for the new one: start that value empty.
    const next = factInfo(fact.value).kind;
    current = { op: op.value, value: next === kind ? readValueText(row) : '' };
    kind = next;
    drawOps(); drawValue(); onChange();
  });
  op.addEventListener('change', () => { current = { op: op.value, value: readValueText(row) }; drawValue(); onChange(); });
  current.op = current.op || 'eq';
  op.value = current.op;
  drawOps();
  drawValue();

  row.read = () => readTest(row, fact.value, attribute.value.trim(), op.value);
  row.setPath = (prefix) => setPaths(row, prefix);
  return row;
}

/** The form's view of a test: which operator entry and the value as the input shows it. */
function loadValue(test) {
  if (test.op === 'matches' && test.regex !== undefined) return { op: 'matches_regex', value: String(test.regex) };
  if (test.op === 'matches') return { op: 'matches', value: String(test.glob !== undefined ? test.glob : test.value ?? '') };
  if (test.op === 'in') return { op: 'in', value: Array.isArray(test.value) ? test.value.join(', ') : String(test.value ?? '') };
  if (test.op === 'exists') return { op: 'exists', value: test.value === false ? 'false' : 'true' };
  return { op: test.op, value: test.value === undefined || test.value === null ? '' : String(test.value) };
}

function readValueText(row) {
  const v = row.querySelector('[name=value]');
  if (!v) return '';
  return v.type === 'checkbox' ? String(v.checked) : v.value;
}

/** `exists` and true/false facts take a checkbox: there are only two answers. */
function isCheck(info, op) {
  return op === 'exists' || (info.kind === 'bool' && (op === 'eq' || op === 'ne'));
}

/** The input that fits the fact's type and the operator. */
function valueControl(info, op, text) {
  if (isCheck(info, op)) return h('input', { name: 'value', type: 'checkbox', checked: text !== 'false' });
  if (op === 'in') return h('input', { name: 'value', value: text, placeholder: 'a, b, c', title: 'Comma-separated list' });
  if (info.kind === 'number' && op !== 'matches' && op !== 'matches_regex') {
    return h('input', { name: 'value', type: 'number', step: 'any', value: text, inputmode: 'decimal' });
  }
  const suggestions = SUGGESTIONS[info.name];
  const input = h('input', { name: 'value', value: text, placeholder: op === 'matches' ? '/products/**' : op === 'matches_regex' ? '^/sale/' : '' });
  if (suggestions) {
    const listId = `sugg-${info.name.replace(/\W/g, '-')}`;
    input.setAttribute('list', listId);
    if (!document.getElementById(listId)) document.body.append(h('datalist', { id: listId }, suggestions.map((s) => h('option', { value: s }))));
  }
  return input;
}

/** Reads a test back to JSON, typing the value as the fact needs it. */
function readTest(row, factName, attribute, op) {
  const info = factInfo(factName);
  const fact = factName === 'visitor.*' ? `visitor.${attribute}` : factName;
  const text = readValueText(row);
  if (op === 'exists') return text === 'false' ? { fact, op, value: false } : { fact, op };
  if (op === 'matches_regex') return { fact, op: 'matches', regex: text };
  if (op === 'matches') return { fact, op, value: text };
  if (op === 'in') return { fact, op, value: text.split(',').map((s) => s.trim()).filter(Boolean).map((s) => typed(info.kind, s)) };
  if (info.kind === 'bool') return { fact, op, value: text === 'true' };
  return { fact, op, value: typed(info.kind, text.trim()) };
}

/** Text as the fact's type; a number that does not parse stays text so the server can name it. */
function typed(kind, text) {
  if (kind === 'number') return text !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
  if (kind === 'any') {
    if (text === 'true' || text === 'false') return text === 'true';
    if (text !== '' && Number.isFinite(Number(text))) return Number(text);
  }
  return text;
}

// ---- actions ------------------------------------------------------------------------------

export const ACTION_TYPES = [
  ['message', 'Send a message'], ['open_widget', 'Open the widget'], ['tag', 'Tag the visitor'],
  ['route_to_human', 'Route to a person'], ['alert_agents', 'Alert agents'], ['webhook', 'Call a webhook'],
];

/** An action row; `agents` (from GET …/agents) fills the "as agent" picker. */
export function actionRow(action, { agents, onChange, onRemove }) {
  const type = h('select', { name: 'type' }, ACTION_TYPES.map(([v, label]) => h('option', { value: v, text: label })));
  type.value = ACTION_TYPES.some(([v]) => v === action.type) ? action.type : 'message';
  const fields = h('div', { class: 'action-fields' });
  const row = h('div', { class: 'action-row', 'data-role': 'action' },
    cell('Action', type, 'type'), fields,
    removeButton('action', () => onRemove(row)),
    h('span', { class: 'field-error row-error', 'data-error-for': '', role: 'alert', hidden: true }));
  let values = { ...action };
  const draw = () => {
    replace(fields, actionFields(type.value, values, agents, () => { values = row.read(); draw(); onChange(); }));
    if (row.dataset.path) setPaths(row, row.dataset.path);
  };
  type.addEventListener('change', () => { values = { ...values, ...row.read(), type: type.value }; draw(); onChange(); });
  row.read = () => readAction(type.value, fields);
  row.setPath = (prefix) => setPaths(row, prefix);
  draw();
  return row;
}

function actionFields(type, values, agents, redraw) {
  const text = (label, hint) => cell(label, h('textarea', { name: 'text', rows: 2, value: values.text || '', placeholder: hint }), 'text', 'wide');
  switch (type) {
    case 'message': {
      const as = h('select', { name: 'as', onchange: redraw }, h('option', { value: 'bot', text: 'the bot' }), h('option', { value: 'agent', text: 'an agent' }));
      as.value = values.as === 'agent' ? 'agent' : 'bot';
      const who = as.value === 'agent'
        ? cell('Agent', agentPicker(agents, values.agent_id), 'agent_id')
        : cell('Bot name (optional)', h('input', { name: 'bot_name', value: values.bot_name || '', placeholder: 'Shop assistant', maxlength: 40 }), 'bot_name');
      const versions = values.translations || {};
      const lines = Object.keys(versions).map((code) => `${code}: ${versions[code]}`).join('\n');
      const translated = cell('In other languages (optional): one "code: text" a line', h('textarea', { name: 'translations', rows: 2, value: lines, placeholder: 'fr: Besoin d\'aide pour la taille de {{ product.name }} ?' }), 'translations', 'wide');
      return [text('Message', 'Need help with the size of the {{ product.name }}?'), translated, cell('Sent as', as, 'as'), who,
        h('p', { class: 'hint wide', text: 'Template values: {{ product.name }}, {{ product.price }}, {{ cart.total }}, {{ cart.items }}, {{ page.title }}, {{ shopper.name }}. An agent persona speaks only while that agent is online.' })];
    }
    case 'alert_agents': return [text('Alert text', 'A big cart on checkout: {{ cart.total }}')];
    case 'tag': return [cell('Tag', h('input', { name: 'tag', value: values.tag || '', maxlength: 40, placeholder: 'big-cart' }), 'tag')];
    case 'route_to_human': {
      const p = h('select', { name: 'priority' }, ['normal', 'high', 'urgent'].map((v) => h('option', { value: v, text: v })));
      p.value = ['high', 'urgent'].includes(values.priority) ? values.priority : 'normal';
      return [cell('Queue priority', p, 'priority')];
    }
    case 'webhook': return [cell('URL', h('input', { name: 'url', type: 'url', value: values.url || '', placeholder: 'https://shop.example/hooks/chat' }), 'url', 'wide'),
      h('p', { class: 'hint wide', text: 'POSTs the firing as JSON, signed with X-Shopchat-Signature (HMAC-SHA256 under the identity secret).' })];
    default: return [h('p', { class: 'hint wide', text: 'Opens the chat panel on the shopper\'s screen.' })];
  }
}

function agentPicker(agents, chosen) {
  const s = h('select', { name: 'agent_id' }, h('option', { value: '', text: 'Choose an agent…' }),
    (agents || []).map((a) => h('option', { value: a.id, text: `${a.name || a.email} (${a.email})` })));
  if (chosen && !(agents || []).some((a) => a.id === chosen)) s.append(h('option', { value: chosen, text: chosen }));
  s.value = chosen || '';
  return s;
}

// "fr: Bonjour…" lines to `{fr: "Bonjour…"}`; a line without a code continues the text above
// (a template may span lines). The server checks the codes and the templates.
function parseVersions(text) {
  const versions = {};
  let current = null;
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)?)\s*:\s?(.*)$/.exec(line);
    if (m) { current = m[1]; versions[current] = m[2]; } else if (current) versions[current] += '\n' + line;
  }
  return versions;
}

function readAction(type, fields) {
  const get = (name) => { const el = fields.querySelector(`[name="${name}"]`); return el ? el.value : undefined; };
  switch (type) {
    case 'message': {
      const out = { type, text: get('text') };
      const versions = parseVersions(get('translations') || '');
      if (Object.keys(versions).length) out.translations = versions;
      if (get('as') === 'agent') Object.assign(out, { as: 'agent', agent_id: get('agent_id') });
      else if ((get('bot_name') || '').trim()) out.bot_name = get('bot_name').trim();
      return out;
    }
    case 'alert_agents': return { type, text: get('text') };
    case 'tag': return { type, tag: (get('tag') || '').trim() };
    case 'route_to_human': return { type, priority: get('priority') };
    case 'webhook': return { type, url: (get('url') || '').trim() };
    default: return { type };
  }
}
