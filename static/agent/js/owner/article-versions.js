// An article's versions in other languages: one row per language (its code, the question and
// the answer as shoppers of that language read them). The bot answers a shopper whose widget
// shows that language with that version.

import { h, replace } from '../dom.js';
import { errorSlot } from './ui.js';

/** The editor: `{node, fill(article | null), value()}` for the library form. */
export function articleVersions() {
  const rows = h('div', { class: 'versions', 'data-role': 'article-versions' });
  const add = h('button', { type: 'button', 'data-role': 'add-version', text: 'Add a language', onclick: () => { const r = row('', '', ''); rows.append(r); r.querySelector('input').focus(); } });
  const node = h('fieldset', { class: 'field' },
    h('legend', { class: 'field-label', text: 'Versions in other languages' }),
    h('p', { class: 'hint', text: 'A shopper whose widget shows one of these languages gets its version. Use a language code: fr, de, es.' }),
    rows, add, errorSlot('translations'));

  function row(code, question, answer) {
    const line = h('div', { class: 'version', 'data-role': 'version' },
      h('input', { 'data-field': 'code', 'aria-label': 'Language code', placeholder: 'fr', maxlength: 3, size: 3, value: code }),
      h('input', { 'data-field': 'question', 'aria-label': 'Question in this language', maxlength: 300, value: question }),
      h('textarea', { 'data-field': 'answer', 'aria-label': 'Answer in this language', rows: 3, maxlength: 4000, value: answer }),
      h('button', { type: 'button', class: 'danger', 'data-role': 'remove-version', text: 'Remove', onclick: () => line.remove() }));
    return line;
  }

  return {
    node,
    fill(article) {
      const versions = (article && article.translations) || {};
      replace(rows, Object.keys(versions).map((code) => row(code, versions[code].question, versions[code].answer)));
    },
    value() {
      const translations = {};
      for (const line of rows.querySelectorAll('[data-role=version]')) {
        const field = (name) => line.querySelector(`[data-field=${name}]`).value;
        const code = field('code').trim();
        if (code || field('question').trim() || field('answer').trim()) translations[code] = { question: field('question'), answer: field('answer') };
      }
      return { translations };
    },
  };
}
