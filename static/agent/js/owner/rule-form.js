// The rule editor: a form for everything a rule holds (name, when, conditions, actions,
// frequency, holdout) and a raw JSON tab for power users, kept in sync both ways. The
// server validates; its 422 errors are shown at the field each path names.

import { h, replace } from '../dom.js';
import { EVENTS, blankRule, flatten } from './rule-model.js';
import { conditionRow, actionRow } from './rule-rows.js';
import { formError, errorSlot, showApiError, clearErrors, labelled, checkbox, splitList, busy, tabBar } from './ui.js';

const KNOWN_KEYS = ['name', 'enabled', 'priority', 'when', 'conditions', 'actions', 'frequency', 'holdout_percent'];
const SERVER_KEYS = ['id', 'created_at', 'updated_at'];

/**
 * Builds the editor for `rule` (a stored rule, or null for a new one). Returns
 * `{node, draft(), ruleId, showErrors(error), focus()}`; `draft()` is the rule as the form holds it now.
 */
export function ruleEditor(ctx, rule, { agents, onSaved, onCancel }) {
  const f = inputs();
  const conditionRows = h('div', { 'data-role': 'conditions' });
  const actionRows = h('div', { 'data-role': 'actions' });
  const nestedBox = h('div', { class: 'nested-note', 'data-role': 'nested-conditions', hidden: true });
  const raw = h('textarea', { class: 'raw-json', 'data-role': 'raw-json', spellcheck: 'false', 'aria-label': 'The rule as JSON' });
  const rawStatus = h('p', { class: 'hint', role: 'status', 'data-role': 'raw-status' });
  let extras = {};       // keys the form has no field for, kept so the server can judge them
  let nested = null;     // conditions that nest, kept as they are (edited in the JSON tab)

  const sync = () => { raw.value = JSON.stringify(draft(), null, 2); rawStatus.textContent = 'In sync with the form.'; };
  const renumber = () => {
    const key = f.modeAny.checked ? 'any' : 'all';
    [...conditionRows.children].forEach((row, i) => row.setPath(`conditions.${key}[${i}]`));
    [...actionRows.children].forEach((row, i) => row.setPath(`actions[${i}]`));
  };
  const changed = () => { renumber(); sync(); };
  const addCondition = (test) => conditionRows.append(conditionRow(test, { onChange: changed, onRemove: (row) => { row.remove(); changed(); } }));
  const addAction = (action) => actionRows.append(actionRow(action, { agents, onChange: changed, onRemove: (row) => { row.remove(); changed(); } }));

  function load(spec) {
    extras = Object.fromEntries(Object.entries(spec).filter(([k]) => !KNOWN_KEYS.includes(k) && !SERVER_KEYS.includes(k)));
    f.name.value = spec.name || '';
    f.enabled.checked = spec.enabled !== false;
    f.priority.value = spec.priority ?? 0;
    f.holdout.value = spec.holdout_percent ?? 0;
    loadWhen(f, [].concat(spec.when || []));
    loadFrequency(f, spec.frequency || {});
    const flat = flatten(spec.conditions);
    nested = flat ? null : spec.conditions;
    conditionRows.replaceChildren();
    if (flat) flat.tests.forEach(addCondition);
    (flat && flat.mode === 'any' ? f.modeAny : f.modeAll).checked = true;
    drawNested();
    actionRows.replaceChildren();
    (Array.isArray(spec.actions) ? spec.actions : []).forEach(addAction);
    renumber();
  }

  function drawNested() {
    nestedBox.hidden = !nested;
    conditionsEditable.hidden = !!nested;
    if (nested) {
      replace(nestedBox,
        h('strong', { text: 'These conditions nest (any/not inside all), so they are edited in the JSON tab. ' }),
        h('button', { type: 'button', class: 'link', 'data-role': 'flatten-conditions', text: 'Replace them with a simple list', onclick: () => {
          nested = null; drawNested(); addCondition({ fact: 'time_on_page', op: 'gte', value: 30 }); changed();
        } }),
        h('pre', { text: JSON.stringify(nested, null, 2) }));
    }
  }

  function draft() {
    const out = { ...extras, name: f.name.value.trim(), enabled: f.enabled.checked };
    out.priority = numberOrText(f.priority.value);
    const when = readWhen(f);
    if (when.length) out.when = when;
    const key = f.modeAny.checked ? 'any' : 'all';
    out.conditions = nested || { [key]: [...conditionRows.children].map((row) => row.read()) };
    out.actions = [...actionRows.children].map((row) => row.read());
    out.frequency = readFrequency(f);
    out.holdout_percent = numberOrText(f.holdout.value);
    return out;
  }

  const conditionsEditable = h('div', {},
    h('div', { class: 'mode-switch', role: 'radiogroup', 'aria-label': 'How conditions combine' },
      h('label', { class: 'check' }, f.modeAll, h('span', { text: 'All must hold' })),
      h('label', { class: 'check' }, f.modeAny, h('span', { text: 'Any one is enough' }))),
    conditionRows,
    h('button', { type: 'button', 'data-role': 'add-condition', text: '+ Add condition', onclick: () => {
      addCondition({ fact: 'page.type', op: 'eq', value: 'product' }); changed();
      conditionRows.lastElementChild.querySelector('select').focus();
    } }));
  f.modeAll.addEventListener('change', changed);
  f.modeAny.addEventListener('change', changed);

  const formTab = h('div', { role: 'tabpanel', 'data-panel': 'form' },
    h('div', { class: 'owner-row' },
      labelled('Name', f.name),
      labelled('Priority', f.priority, 'Higher wins when several rules match at once.'),
      labelled('Holdout %', f.holdout, 'Share of visitors shown nothing, to measure uplift.', 'holdout_percent')),
    h('div', { class: 'field' }, checkbox('Enabled', { name: 'enabled', 'data-bind': 'enabled' }), errorSlot('enabled')),
    h('fieldset', {}, h('legend', { text: 'When' }),
      h('div', { class: 'when-list', role: 'group', 'aria-label': 'Events that wake the rule' }, f.when),
      labelled('Other events', f.whenOther, 'Your own track() names, comma-separated. Tick none to wake on any event; time conditions also wake the rule by themselves.', 'when')),
    h('fieldset', {}, h('legend', { text: 'Conditions' }), conditionsEditable, nestedBox, errorSlot('conditions')),
    h('fieldset', {}, h('legend', { text: 'Actions' }), actionRows,
      h('button', { type: 'button', 'data-role': 'add-action', text: '+ Add action', onclick: () => {
        addAction({ type: 'open_widget' }); changed();
        actionRows.lastElementChild.querySelector('select').focus();
      } }), errorSlot('actions')),
    frequencyFieldset(f));
  // The checkbox() helper builds its own input; use it as the form's `enabled` control.
  f.enabled = formTab.querySelector('[data-bind=enabled]');

  const jsonTab = h('div', { role: 'tabpanel', 'data-panel': 'json', hidden: true },
    h('p', { class: 'hint', text: 'The whole rule as the API takes it (see the README, Trigger rules). Changes here update the form, and the other way round.' }),
    raw, rawStatus);

  let rawTimer = null;
  raw.addEventListener('input', () => {
    clearTimeout(rawTimer);
    rawTimer = setTimeout(() => {
      try {
        const parsed = JSON.parse(raw.value);
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('a rule must be a JSON object');
        load(parsed);
        rawStatus.textContent = 'In sync with the form.';
      } catch (e) {
        rawStatus.textContent = `Not valid JSON yet (${e.message}); the form keeps the last valid version.`;
      }
    }, 250);
  });

  const tabs = tabBar([['form', 'Form', formTab], ['json', 'JSON', jsonTab]], (name) => {
    formTab.hidden = name !== 'form';
    jsonTab.hidden = name !== 'json';
    if (name === 'json') sync();
  });

  const save = h('button', { type: 'submit', class: 'primary', text: rule ? 'Save rule' : 'Create rule' });
  const form = h('form', { class: 'card rule-editor-form', 'data-role': 'rule-form', novalidate: true, 'data-rule-id': rule ? rule.id : 'new' },
    h('h2', { text: rule ? `Edit rule: ${rule.name}` : 'New rule' }),
    tabs.node, formTab, jsonTab, formError(),
    h('div', { class: 'actions' }, save,
      h('button', { type: 'button', 'data-role': 'cancel', text: 'Cancel', onclick: onCancel })));
  form.addEventListener('input', (ev) => { if (ev.target !== raw) sync(); });
  form.addEventListener('change', (ev) => { if (ev.target !== raw) sync(); });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(save, () => submit());
  });

  async function submit() {
    clearErrors(form);
    if (!jsonTab.hidden) {
      try { load(JSON.parse(raw.value)); } catch (e) {
        showApiError(form, { message: `The JSON is not valid: ${e.message}` });
        return;
      }
    }
    try {
      const body = draft();
      const saved = rule
        ? await ctx.api.put(`/sites/${ctx.site.id}/rules/${rule.id}`, body)
        : await ctx.api.post(`/sites/${ctx.site.id}/rules`, body);
      ctx.toast(rule ? 'Rule saved.' : 'Rule created.');
      onSaved(saved);
    } catch (e) {
      showErrorsInForm(e);
    }
  }

  /** Shows errors on the form tab, where each field has its slot. */
  function showErrorsInForm(error, rename) {
    if (!nested) tabs.select('form');
    showApiError(form, error, rename);
  }

  load(rule || blankRule());
  sync();
  return { node: form, draft, ruleId: rule ? rule.id : null, showErrors: showErrorsInForm, focus: () => f.name.focus() };
}

function numberOrText(text) {
  return text !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
}

function inputs() {
  return {
    name: h('input', { name: 'name', required: true, maxlength: 100, placeholder: 'Product dwell' }),
    priority: h('input', { name: 'priority', type: 'number', min: -1000, max: 1000, step: 1 }),
    holdout: h('input', { name: 'holdout_percent', type: 'number', min: 0, max: 100, step: 1 }),
    enabled: null,
    when: EVENTS.map(([value, label]) => h('label', { class: 'check' },
      h('input', { type: 'checkbox', name: 'when', value }), h('span', { text: label }))),
    whenOther: h('input', { name: 'when_other', placeholder: 'newsletter_signup' }),
    modeAll: h('input', { type: 'radio', name: 'mode', value: 'all', 'data-role': 'condition-mode' }),
    modeAny: h('input', { type: 'radio', name: 'mode', value: 'any', 'data-role': 'condition-mode' }),
    oncePer: h('select', { name: 'once_per', 'data-path': 'frequency.once_per' },
      h('option', { value: 'session', text: 'Once per session' }), h('option', { value: 'visitor', text: 'Once per visitor, ever' }),
      h('option', { value: 'max', text: 'At most N times per period' })),
    max: h('input', { name: 'max', type: 'number', min: 1, max: 1000, 'data-path': 'frequency.max' }),
    period: h('input', { name: 'period_secs', type: 'number', min: 1, 'data-path': 'frequency.period_secs' }),
    cooldown: h('input', { name: 'cooldown_secs', type: 'number', min: 0, 'data-path': 'frequency.cooldown_secs', placeholder: '0' }),
  };
}

function whenBoxes(f) {
  return f.when.map((label) => label.querySelector('input'));
}

function loadWhen(f, names) {
  const known = new Set(whenBoxes(f).map((b) => b.value));
  for (const box of whenBoxes(f)) box.checked = names.includes(box.value);
  f.whenOther.value = names.filter((n) => !known.has(n)).join(', ');
}

function readWhen(f) {
  return [...whenBoxes(f).filter((b) => b.checked).map((b) => b.value), ...splitList(f.whenOther.value)];
}

function frequencyFieldset(f) {
  const maxBox = h('div', { class: 'owner-row' },
    labelled('Times', f.max, null, 'frequency.max'), labelled('Per (seconds)', f.period, null, 'frequency.period_secs'));
  const draw = () => { maxBox.hidden = f.oncePer.value !== 'max'; };
  f.oncePer.addEventListener('change', draw);
  f.drawFrequency = draw;
  return h('fieldset', {}, h('legend', { text: 'Frequency' }),
    h('div', { class: 'owner-row' },
      labelled('How often', f.oncePer, null, 'frequency.once_per'),
      labelled('Cooldown (seconds)', f.cooldown, 'Quiet time after each firing or dismissal.', 'frequency.cooldown_secs')),
    maxBox, errorSlot('frequency'));
}

function loadFrequency(f, freq) {
  f.oncePer.value = freq.max !== undefined ? 'max' : freq.once_per === 'visitor' ? 'visitor' : 'session';
  f.max.value = freq.max ?? 1;
  f.period.value = freq.period_secs ?? 3600;
  f.cooldown.value = freq.cooldown_secs ?? '';
  if (f.drawFrequency) f.drawFrequency();
}

function readFrequency(f) {
  const out = f.oncePer.value === 'max'
    ? { max: numberOrText(f.max.value), period_secs: numberOrText(f.period.value) }
    : { once_per: f.oncePer.value };
  if (f.cooldown.value !== '') out.cooldown_secs = numberOrText(f.cooldown.value);
  return out;
}
