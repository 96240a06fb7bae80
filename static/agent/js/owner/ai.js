// The site's routing by intent and its language model, for owners: which team a chat about
// an order, a return, sizing… waits for (detected by the order keywords, or by the model's
// triage), the shop's own model provider (instead of the server's; the key is written, never
// shown), and how many model calls today's budget has left.

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
  const showUsage = () => ctx.api.get(`/sites/${site.id}/ai-usage`).then((u) => {
    usage.textContent = u.model
      ? `Language model: ${u.model}${u.own_provider ? ' (your own)' : ''} — ${u.used_today} of ${u.daily_requests} calls used today (UTC, all servers).`
      : 'No language model: intents come from the order keywords only, and there are no AI drafts. Set your own below.';
  }).catch(() => replace(usage));
  showUsage();
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
  return section('Routing by intent and AI', usage, form, providerForm(ctx, showUsage));
}

/** The shop's own OpenAI-compatible provider: URL, model and key (write-only). */
function providerForm(ctx, changed) {
  const site = ctx.site;
  const f = {
    base_url: h('input', { name: 'base_url', type: 'url', placeholder: 'https://api.openai.com/v1' }),
    model: h('input', { name: 'model', placeholder: 'gpt-4o-mini', maxlength: 100 }),
    api_key: h('input', { name: 'api_key', type: 'password', autocomplete: 'off' }),
  };
  const show = (p) => {
    f.base_url.value = p.base_url || '';
    f.model.value = p.model || '';
    f.api_key.value = '';
    f.api_key.placeholder = p.api_key_set ? 'stored — leave empty to keep it' : 'none';
    remove.hidden = !p.base_url;
  };
  const save = h('button', { type: 'submit', class: 'primary', text: 'Save model' });
  const remove = h('button', { type: 'button', 'data-role': 'remove-provider', hidden: true, text: "Use the server's model",
    onclick: () => send({ base_url: null }) });
  const send = (body) => busy(save, async () => {
    clearErrors(form);
    try {
      show(await ctx.api.put(`/sites/${site.id}/ai-provider`, body));
      ctx.toast('Language model saved.');
      changed();
    } catch (e) { showApiError(form, e); }
  });
  const form = h('form', { 'data-role': 'ai-provider', novalidate: true, onsubmit: (ev) => {
    ev.preventDefault();
    const body = { base_url: f.base_url.value.trim() || null, model: f.model.value.trim() || null };
    if (f.api_key.value) body.api_key = f.api_key.value;
    send(body);
  } },
  h('h3', { text: 'Your own language model (optional)' }),
  h('p', { class: 'hint', text: "Any OpenAI-compatible API (OpenAI, Azure OpenAI, a model you host). Your shop's drafts, summaries, triage and translations then go there with your key instead of to the server's model. What is sent: the chat's latest lines, matching articles, the shopper's page and cart and their orders, with emails, phone and card numbers taken out." }),
  h('div', { class: 'owner-grid' }, field('API base URL', f.base_url), field('Model', f.model), field('API key', f.api_key, 'Sent as a Bearer token; never shown again.')),
  formError(), h('div', { class: 'actions' }, save, remove));
  ctx.api.get(`/sites/${site.id}/ai-provider`).then(show).catch(() => {});
  return form;
}
