// The site's routing by intent and its use of the language model, for owners: which team a
// chat about an order, a return, sizing… waits for (detected by the order keywords, or by the
// model's triage when the server has one), and how many model calls today's budget has left.

import { h, replace } from '../dom.js';
import { section, formError, showApiError, clearErrors, busy, labelled as field } from './ui.js';

/** The intents a site may send to a team, as the API names them, with words for owners. */
const INTENTS = [
  ['where_is_my_order', 'Where is my order?'],
  ['return', 'Returns'],
  ['cancel', 'Cancelling an order'],
  ['sizing', 'Sizing and fit'],
  ['pre_sale', 'Questions before buying'],
  ['complaint', 'Complaints'],
];

/** The section; `settings` is the chat settings object the chat section shares (a save here
 *  keeps that section's fields, and the other way round). */
export function aiSection(settings, ctx) {
  const site = ctx.site;
  const teams = settings.intent_teams || {};
  const inputs = INTENTS.map(([intent, label]) => [intent, label,
    h('input', { name: `intent_teams.${intent}`, value: teams[intent] || '', maxlength: 40, placeholder: 'any agent', 'data-intent': intent })]);
  const usage = h('p', { class: 'hint', 'data-role': 'ai-usage', text: '' });
  ctx.api.get(`/sites/${site.id}/ai-usage`).then((u) => {
    usage.textContent = u.model
      ? `Language model: ${u.model} — ${u.used_today} of ${u.daily_requests} calls used today (UTC, all servers).`
      : 'This server has no language model: intents come from the order keywords only, and there are no AI drafts.';
  }).catch(() => replace(usage));
  const save = h('button', { type: 'submit', class: 'primary', text: 'Save routing' });
  const form = h('form', { 'data-role': 'intent-teams', novalidate: true, onsubmit: (ev) => {
    ev.preventDefault();
    busy(save, async () => {
      clearErrors(form);
      const chosen = {};
      for (const [intent, , input] of inputs) if (input.value.trim()) chosen[intent] = input.value.trim();
      try {
        Object.assign(settings, await ctx.api.put(`/sites/${site.id}/chat-settings`, { ...settings, intent_teams: chosen }));
        ctx.toast('Routing saved.');
      } catch (e) { showApiError(form, e); }
    });
  } },
  h('p', { class: 'hint', text: 'A chat about one of these, detected before a person has it, waits for an agent with that skill (set skills on the Agents page). Empty: any agent.' }),
  h('div', { class: 'owner-grid' }, inputs.map(([, label, input]) => field(label, input))),
  formError(), save);
  return section('Routing by intent and AI', usage, form);
}
