// A list-and-form page for a site's library items (knowledge-base articles, canned replies):
// list, create, edit, delete with a confirmation. The pages say what their items look like;
// this module does the fetching, the form and the error display once.

import { h, replace } from '../dom.js';
import { pageHeader, section, formError, showApiError, clearErrors, confirmDialog, labelled, busy, loading, failed } from './ui.js';

/**
 * `config`: `{title, intro, path, listKey, formRole, noun, fields: [{name, label, multiline,
 * max, hint, placeholder}], itemTitle(item), itemBody(item), help?, extra?}` — `help` is a
 * node shown under the form; `extra` more of the form, `{node, fill(item | null), value()}`,
 * whose value is merged into the saved body.
 */
export function mountLibrary(root, ctx, config) {
  const base = `/sites/${ctx.site.id}/${config.path}`;
  let items = [];
  let editing = null;
  const list = h('ul', { class: 'owner-list', 'data-role': `${config.formRole}-list` });
  const inputs = config.fields.map((f) => f.multiline
    ? h('textarea', { name: f.name, rows: f.rows || 5, maxlength: f.max, placeholder: f.placeholder || '' })
    : h('input', { name: f.name, maxlength: f.max, placeholder: f.placeholder || '' }));
  const heading = h('h2');
  const save = h('button', { type: 'submit', class: 'primary' });
  const cancel = h('button', { type: 'button', 'data-role': 'cancel', text: 'Cancel', onclick: () => startNew() });
  const form = h('form', { class: 'card', 'data-role': config.formRole, novalidate: true, onsubmit: (ev) => { ev.preventDefault(); busy(save, submit); } },
    heading,
    config.fields.map((f, i) => labelled(f.label, inputs[i], f.hint)),
    config.extra ? config.extra.node : null,
    config.help || null,
    formError(),
    h('div', { class: 'actions' }, save, cancel));

  replace(root, h('div', { class: 'owner-page', 'data-page': config.formRole },
    pageHeader(config.title, h('button', { type: 'button', 'data-role': `new-${config.noun}`, text: `New ${config.noun}`, onclick: () => { startNew(); inputs[0].focus(); } })),
    h('p', { class: 'hint', text: config.intro }),
    h('div', { class: 'owner-cols' }, section(`${config.title} (${'…'})`, list), form)));
  const listHeading = root.querySelector('.owner-cols h2');

  function startNew() {
    editing = null;
    clearErrors(form);
    form.reset();
    if (config.extra) config.extra.fill(null);
    heading.textContent = `New ${config.noun}`;
    save.textContent = `Create ${config.noun}`;
    cancel.hidden = true;
    form.dataset.editingId = '';
    drawList();
  }

  function startEdit(item) {
    editing = item;
    clearErrors(form);
    config.fields.forEach((f, i) => { inputs[i].value = item[f.name] ?? ''; });
    if (config.extra) config.extra.fill(item);
    heading.textContent = `Edit ${config.noun}`;
    save.textContent = 'Save changes';
    cancel.hidden = false;
    form.dataset.editingId = item.id;
    drawList();
    form.scrollIntoView({ block: 'nearest' });
    inputs[0].focus();
  }

  async function submit() {
    clearErrors(form);
    const body = Object.fromEntries(config.fields.map((f, i) => [f.name, inputs[i].value]));
    if (config.extra) Object.assign(body, config.extra.value());
    try {
      const saved = editing ? await ctx.api.put(`${base}/${editing.id}`, body) : await ctx.api.post(base, body);
      const i = items.findIndex((x) => x.id === saved.id);
      if (i >= 0) items[i] = saved; else items.push(saved);
      ctx.toast(editing ? `${capital(config.noun)} saved.` : `${capital(config.noun)} created.`);
      startNew();
    } catch (e) { showApiError(form, e); }
  }

  async function remove(item) {
    if (!(await confirmDialog(`Delete "${config.itemTitle(item)}"? This cannot be undone.`))) return;
    try {
      await ctx.api.del(`${base}/${item.id}`);
      items = items.filter((x) => x.id !== item.id);
      if (editing && editing.id === item.id) startNew(); else drawList();
      ctx.toast(`${capital(config.noun)} deleted.`);
    } catch (e) { ctx.toast(`Could not delete: ${e.message}`, 'error'); }
  }

  function drawList() {
    listHeading.textContent = `${config.title} (${items.length})`;
    if (!items.length) {
      replace(list, h('li', { class: 'owner-empty', text: `No ${config.plural || config.noun + 's'} yet. Write the first one in the form.` }));
      return;
    }
    replace(list, items.map((item) => h('li', { 'data-item-id': item.id, 'aria-current': editing && editing.id === item.id ? 'true' : null },
      h('div', { class: 'item-main' },
        h('div', { class: 'item-title', text: config.itemTitle(item) }),
        h('div', { class: 'item-body', text: config.itemBody(item) })),
      h('div', { class: 'actions' },
        h('button', { type: 'button', 'data-role': 'edit', text: 'Edit', 'aria-label': `Edit ${config.itemTitle(item)}`, onclick: () => startEdit(item) }),
        h('button', { type: 'button', class: 'danger', 'data-role': 'delete', text: 'Delete', 'aria-label': `Delete ${config.itemTitle(item)}`, onclick: () => remove(item) })))));
  }

  async function load() {
    loading(list);
    try {
      items = (await ctx.api.get(base))[config.listKey];
      startNew();
    } catch (e) { failed(list, config.title.toLowerCase(), e); }
  }

  startNew();
  load();
}

function capital(s) {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
