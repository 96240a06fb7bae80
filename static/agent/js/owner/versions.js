// A library item's versions in other languages: one row per language (its code and the
// item's texts as shoppers of that language read them). A shopper whose widget shows that
// language gets that version: the bot's answer, an agent's canned reply.

import { h, replace } from '../dom.js';
import { errorSlot } from './ui.js';

/**
 * The editor for the library form: `{node, fill(item | null), value()}`. `fields`:
 * `[{name, label, multiline, max}]`, one input each per language; `read(version)` gives
 * those fields' values from a stored version, `write(values)` the version to save.
 */
export function versionsEditor({ fields, read = (v) => v, write = (v) => v }) {
  const rows = h('div', { class: 'versions', 'data-role': 'versions' });
  const add = h('button', { type: 'button', 'data-role': 'add-version', text: 'Add a language', onclick: () => { const r = row('', {}); rows.append(r); r.querySelector('input').focus(); } });
  const node = h('fieldset', { class: 'field' },
    h('legend', { class: 'field-label', text: 'Versions in other languages' }),
    h('p', { class: 'hint', text: 'A shopper whose widget shows one of these languages gets its version. Use a language code: fr, de, es.' }),
    rows, add, errorSlot('translations'));

  function row(code, values) {
    const line = h('div', { class: 'version', 'data-role': 'version' },
      h('input', { 'data-field': 'code', 'aria-label': 'Language code', placeholder: 'fr', maxlength: 3, size: 3, value: code }),
      fields.map((f) => h(f.multiline ? 'textarea' : 'input', { 'data-field': f.name, 'aria-label': `${f.label} in this language`, rows: f.multiline ? 3 : null, maxlength: f.max, value: values[f.name] ?? '' })),
      h('button', { type: 'button', class: 'danger', 'data-role': 'remove-version', text: 'Remove', onclick: () => line.remove() }));
    return line;
  }

  return {
    node,
    fill(item) {
      const versions = (item && item.translations) || {};
      replace(rows, Object.keys(versions).map((code) => row(code, read(versions[code]))));
    },
    value() {
      const translations = {};
      for (const line of rows.querySelectorAll('[data-role=version]')) {
        const code = line.querySelector('[data-field=code]').value.trim();
        const values = Object.fromEntries(fields.map((f) => [f.name, line.querySelector(`[data-field=${f.name}]`).value]));
        if (code || Object.values(values).some((v) => v.trim())) translations[code] = write(values);
      }
      return { translations };
    },
  };
}
