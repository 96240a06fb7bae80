// The pre-chat form, for owners: whether the widget asks a name, an email and a topic before
// the first message (always, or only while nobody is online), and which team each topic's
// chats wait for.

import { h } from '../dom.js';
import { section, formError, showApiError, clearErrors, busy, labelled as field } from './ui.js';

const RULES = [['off', 'Not asked'], ['optional', 'Optional'], ['required', 'Required']];

function choice(name, value, options) {
  return h('select', { name },
    options.map(([v, label]) => h('option', { value: v, text: label, selected: v === value })));
}

/** "Order & delivery" → "order-delivery": the topic's id (its chats are tagged topic-{id}). */
function slug(label, index) {
  const s = label.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40);
  return s || `topic-${index + 1}`;
}

/** One topic per line, `Label` or `Label | team`; a label kept keeps its id. */
function parseTopics(text, before) {
  return text.split('\n').map((l) => l.trim()).filter(Boolean).map((line, i) => {
    const cut = line.lastIndexOf('|');
    const label = (cut >= 0 ? line.slice(0, cut) : line).trim();
    const team = cut >= 0 ? line.slice(cut + 1).trim() : '';
    const known = before.find((t) => t.label === label);
    return { id: known ? known.id : slug(label, i), label, team: team || null };
  });
}

function topicsText(topics) {
  return topics.map((t) => (t.team ? `${t.label} | ${t.team}` : t.label)).join('\n');
}

/** The section; `settings` is the chat settings object the other sections share. */
export function prechatSection(settings, ctx) {
  const site = ctx.site;
  const form0 = settings.prechat || { enabled: false, when: 'always', name: 'optional', email: 'required', topics: [] };
  const f = {
    enabled: h('input', { type: 'checkbox', name: 'prechat.enabled', checked: form0.enabled }),
    when: choice('prechat.when', form0.when, [['always', 'Before every first message'], ['offline', 'Only while nobody is online']]),
    name: choice('prechat.name', form0.name, RULES),
    email: choice('prechat.email', form0.email, RULES),
    topics: h('textarea', { name: 'prechat.topics', rows: 4, value: topicsText(form0.topics || []), placeholder: 'Order & delivery | logistics\nProduct advice' }),
  };
  const save = h('button', { type: 'submit', class: 'primary', text: 'Save pre-chat form' });
  const form = h('form', { 'data-role': 'prechat-settings', novalidate: true, onsubmit: (ev) => {
    ev.preventDefault();
    busy(save, async () => {
      clearErrors(form);
      const before = (settings.prechat && settings.prechat.topics) || [];
      const prechat = { enabled: f.enabled.checked, when: f.when.value, name: f.name.value, email: f.email.value,
        topics: parseTopics(f.topics.value, before) };
      try {
        Object.assign(settings, await ctx.api.put(`/sites/${site.id}/chat-settings`, { ...settings, prechat }));
        ctx.toast('Pre-chat form saved.');
      } catch (e) { showApiError(form, e); }
    });
  } },
  h('p', { class: 'hint', text: 'Asked in the widget before the first message; skipped for shoppers your shop identifies. The answers show beside the chat; an email lets agents answer by email.' }),
  h('label', { class: 'check' }, f.enabled, h('span', { class: 'field-label', text: 'Ask before the first message' })),
  h('div', { class: 'owner-grid' },
    field('When', f.when),
    field('Name', f.name),
    field('Email', f.email),
    field('Topics', f.topics, 'One per line; add "| team" to send its chats to agents with that skill. None: no topic asked.')),
  formError(), save);
  return section('Pre-chat form', form);
}
