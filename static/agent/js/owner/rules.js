// Trigger rules for owners: the site's rules (switch on/off, edit, delete), the rule editor
// (form and JSON), and the simulator that replays a journey against the draft or the saved
// rules. `#/rules/RULE_ID` opens that rule in the editor.

import { h, replace } from '../dom.js';
import { pageHeader, section, confirmDialog, loading, failed } from './ui.js';
import { summary } from './rule-model.js';
import { ruleEditor } from './rule-form.js';
import { simulator } from './simulator.js';

export function mount(root, ctx) {
  const base = `/sites/${ctx.site.id}/rules`;
  let rules = [];
  let agents = [];
  let editor = null;
  const list = h('div', { class: 'rule-list', 'data-role': 'rule-list' });
  const editorSlot = h('div', { 'data-role': 'editor' });
  const newButton = h('button', { type: 'button', class: 'primary', 'data-role': 'new-rule', text: 'New rule', onclick: () => openEditor(null) });
  const sim = simulator(ctx, { getEditor: () => editor, getRules: () => rules });
  replace(root, h('div', { class: 'owner-page', 'data-page': 'rules' },
    pageHeader('Trigger rules', newButton),
    section('Rules', h('p', { class: 'hint', text: 'Rules run on the server for every browsing event and on timers. Higher priority wins; the site-wide fatigue budget (Site settings) caps proactive messages.' }), list),
    editorSlot, sim.node));

  function drawList() {
    if (!rules.length) {
      replace(list, h('p', { class: 'owner-empty', text: 'No rules yet. Create one with "New rule".' }));
      return;
    }
    const sorted = [...rules].sort((a, b) => (b.priority || 0) - (a.priority || 0) || a.name.localeCompare(b.name));
    replace(list, sorted.map(ruleRow));
  }

  function ruleRow(rule) {
    const toggle = h('input', { type: 'checkbox', 'data-role': 'toggle', checked: rule.enabled !== false, 'aria-label': `Enabled: ${rule.name}`,
      onchange: () => setEnabled(rule, toggle) });
    return h('div', { class: 'rule-row', 'data-rule-id': rule.id, 'aria-current': editor && editor.ruleId === rule.id ? 'true' : null },
      h('span', { class: 'switch' }, toggle),
      h('div', {},
        h('div', { class: 'rule-name', text: rule.name }),
        h('div', { class: 'rule-summary', 'data-role': 'summary', text: summary(rule) }),
        h('div', { class: 'actions' },
          h('span', { class: 'pill', text: `priority ${rule.priority || 0}` }),
          rule.holdout_percent ? h('span', { class: 'pill', text: `${rule.holdout_percent}% held out` }) : null,
          rule.enabled === false ? h('span', { class: 'pill', text: 'off' }) : null)),
      h('div', { class: 'actions' },
        h('button', { type: 'button', 'data-role': 'edit', text: 'Edit', 'aria-label': `Edit ${rule.name}`, onclick: () => openEditor(rule) }),
        h('button', { type: 'button', class: 'danger', 'data-role': 'delete', text: 'Delete', 'aria-label': `Delete ${rule.name}`, onclick: () => remove(rule) })));
  }

  async function setEnabled(rule, toggle) {
    const on = toggle.checked;
    toggle.disabled = true;
    try {
      const saved = await ctx.api.post(`${base}/${rule.id}/${on ? 'enable' : 'disable'}`);
      replaceRule(saved);
      ctx.toast(`${rule.name} is ${on ? 'on' : 'off'}.`);
    } catch (e) {
      toggle.checked = !on;
      ctx.toast(`Could not switch ${rule.name}: ${e.message}`, 'error');
    } finally {
      toggle.disabled = false;
    }
  }

  async function remove(rule) {
    if (!(await confirmDialog(`Delete the rule "${rule.name}" and its report? This cannot be undone.`))) return;
    try {
      await ctx.api.del(`${base}/${rule.id}`);
      rules = rules.filter((r) => r.id !== rule.id);
      if (editor && editor.ruleId === rule.id) closeEditor();
      drawList();
      ctx.toast(`Deleted ${rule.name}.`);
    } catch (e) {
      ctx.toast(`Could not delete ${rule.name}: ${e.message}`, 'error');
    }
  }

  function replaceRule(saved) {
    const i = rules.findIndex((r) => r.id === saved.id);
    if (i >= 0) rules[i] = saved; else rules.push(saved);
    drawList();
  }

  function openEditor(rule) {
    editor = ruleEditor(ctx, rule, {
      agents,
      onSaved: (saved) => { replaceRule(saved); closeEditor(); focusRow(saved.id); },
      onCancel: () => { const id = editor && editor.ruleId; closeEditor(); if (id) focusRow(id); else newButton.focus(); },
    });
    replace(editorSlot, editor.node);
    drawList();
    sim.editorChanged();
    editor.node.scrollIntoView({ block: 'start' });
    editor.focus();
  }

  function closeEditor() {
    editor = null;
    replace(editorSlot);
    drawList();
    sim.editorChanged();
  }

  function focusRow(id) {
    const button = list.querySelector(`[data-rule-id="${CSS.escape(id)}"] [data-role=edit]`);
    if (button) button.focus();
  }

  async function load() {
    loading(list);
    // Agents only fill the "send as agent" picker; without them the bot persona still works.
    const agentList = ctx.api.get(`/sites/${ctx.site.id}/agents`).then((a) => a.agents).catch(() => []);
    try {
      rules = (await ctx.api.get(base)).rules;
      agents = await agentList;
      drawList();
      const wanted = ctx.args && ctx.args[0] && rules.find((r) => r.id === ctx.args[0]);
      if (wanted) openEditor(wanted);
    } catch (e) { failed(list, 'the rules', e); }
  }

  load();
  return () => sim.cleanup();
}
