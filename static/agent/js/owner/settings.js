// Site settings for owners: the snippet to paste into the shop, the allowed origins, the
// identity secret, the chat settings (greeting, colour, bot, routing) and the trigger
// settings (fatigue budget, attribution window, business hours).

import { h, replace, duration } from '../dom.js';
import { aiSection } from './ai.js';
import { prechatSection } from './prechat.js';
import { pageHeader, section, formError, errorSlot, showApiError, clearErrors, splitList, busy, loading, failed, labelled as field } from './ui.js';

export function mount(root, ctx) {
  const site = ctx.site;
  const chat = h('div');
  const triggers = h('div');
  replace(root, h('div', { class: 'owner-page', 'data-page': 'settings' },
    pageHeader('Site settings'),
    snippetSection(site, ctx),
    originsSection(site, ctx),
    secretSection(site),
    chat, triggers));
  loadInto(chat, 'the chat settings', () => ctx.api.get(`/sites/${site.id}/chat-settings`), (s) => [chatSection(s, ctx), prechatSection(s, ctx), aiSection(s, ctx)]);
  loadInto(triggers, 'the trigger settings', () => ctx.api.get(`/sites/${site.id}/trigger-settings`), (s) => triggerSection(s, ctx));
}

async function loadInto(node, what, fetch, draw) {
  loading(node);
  try { replace(node, draw(await fetch())); } catch (e) { failed(node, what, e); }
}

function snippetText(site, consent) {
  const wait = consent ? ' data-consent="required"' : '';
  return '<script>window.shopchat=window.shopchat||function(){(shopchat.q=shopchat.q||[]).push(arguments)};</script>\n'
    + `<script async src="${location.origin}/widget.js" data-site="${site.public_key}"${wait}></script>`
    + (consent ? "\n<!-- from your consent manager, on every page: shopchat('consent', true) or shopchat('consent', false) -->" : '');
}

// The Content-Security-Policy directives a shop with a CSP adds for this server.
function cspText() {
  const socket = location.origin.replace(/^http/, 'ws');
  return `script-src ${location.origin}\nconnect-src ${socket}\ntrusted-types shopchat   (only if your policy lists its Trusted Types policies)`;
}

function snippetSection(site, ctx) {
  const pre = h('pre', { class: 'snippet', 'data-role': 'snippet', tabindex: '0', 'aria-label': 'Snippet to paste', text: snippetText(site, false) });
  const copy = h('button', { type: 'button', class: 'primary', 'data-role': 'copy-snippet', text: 'Copy snippet', onclick: () => copySnippet(pre, ctx) });
  const consent = h('input', { type: 'checkbox', 'data-role': 'snippet-consent', onchange: () => { pre.textContent = snippetText(site, consent.checked); } });
  const csp = h('pre', { class: 'snippet', 'data-role': 'snippet-csp', tabindex: '0', 'aria-label': 'Content-Security-Policy directives', text: cspText() });
  return section('Install the widget',
    h('p', { class: 'hint', text: 'Paste this into every page of your shop, just before </body>.' }),
    h('label', { class: 'check' }, consent, ' Wait for the shopper\'s consent (consent mode): no tracking and nothing stored in the browser until your consent manager calls shopchat(\'consent\', true); the chat works either way.'),
    pre, h('div', { class: 'actions' }, copy, h('span', { class: 'muted', text: `Public key: ${site.public_key}` })),
    h('p', { class: 'hint', text: 'If your shop sends a Content-Security-Policy, add these directives (no unsafe-inline or unsafe-eval needed):' }),
    csp);
}

async function copySnippet(pre, ctx) {
  try {
    await navigator.clipboard.writeText(pre.textContent);
    ctx.toast('Snippet copied.');
  } catch {
    // No clipboard access (plain http, or permission refused): select the text so Ctrl+C works.
    const range = document.createRange();
    range.selectNodeContents(pre);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    pre.focus();
    ctx.toast('Press Ctrl+C (⌘C) to copy the selected snippet.');
  }
}

function originsSection(site, ctx) {
  const name = h('input', { name: 'name', value: site.name, required: true, maxlength: 100 });
  const origins = h('textarea', { name: 'origins', rows: 4, value: (site.origins || []).join('\n'), spellcheck: 'false' });
  const save = h('button', { type: 'submit', class: 'primary', text: 'Save' });
  const form = h('form', { 'data-role': 'site-form', novalidate: true, onsubmit: (ev) => {
    ev.preventDefault();
    busy(save, async () => {
      clearErrors(form);
      try {
        await ctx.api.patch(`/sites/${site.id}`, { name: name.value.trim(), origins: splitList(origins.value) });
        await ctx.refreshSites();
        ctx.toast('Shop saved.');
      } catch (e) { showApiError(form, e); }
    });
  } },
  field('Shop name', name),
  field('Allowed origins', origins, 'One per line, like https://shop.example (scheme, host and port; no paths, no wildcards). The widget only connects from these.'),
  formError(), save);
  return section('Shop and allowed origins', form);
}

function secretSection(site) {
  const value = h('code', { class: 'secret', 'data-role': 'identity-secret', text: '••••••••••••••••' });
  const reveal = h('button', { type: 'button', 'data-role': 'reveal-secret', 'aria-pressed': 'false', text: 'Reveal', onclick: () => {
    const shown = reveal.getAttribute('aria-pressed') !== 'true';
    value.textContent = shown ? (site.identity_secret || '') : '••••••••••••••••';
    reveal.setAttribute('aria-pressed', String(shown));
    reveal.textContent = shown ? 'Hide' : 'Reveal';
  } });
  return section('Identity secret',
    h('p', { class: 'hint', text: 'Your shop\'s server signs logged-in shoppers with this secret (HMAC-SHA256); webhooks are signed with it too. Keep it on the server, never in a page.' }),
    h('div', { class: 'actions' }, value, reveal));
}

function chatSection(settings, ctx) {
  const site = ctx.site;
  const f = {
    greeting: h('input', { name: 'greeting', value: settings.greeting, maxlength: 200 }),
    greeting_translations: h('textarea', { name: 'greeting_translations', rows: 2,
      value: Object.entries(settings.greeting_translations || {}).map(([code, text]) => `${code}: ${text}`).join('\n'),
      placeholder: 'fr: Bonjour ! Comment pouvons-nous aider ?' }),
    color: h('input', { name: 'color', type: 'color', value: settings.color }),
    languages: h('input', { name: 'languages', value: (settings.languages || []).join(', ') }),
    bot_enabled: h('input', { type: 'checkbox', name: 'bot_enabled', checked: settings.bot_enabled }),
    bot_name: h('input', { name: 'bot_name', value: settings.bot_name, maxlength: 60 }),
    bot_max_misses: h('input', { name: 'bot_max_misses', type: 'number', min: 1, max: 20, value: settings.bot_max_misses }),
    bot_webhook_url: h('input', { name: 'bot_webhook_url', type: 'url', value: settings.bot_webhook_url || '', placeholder: 'https://bot.example/hook' }),
    bot_webhook_timeout_ms: h('input', { name: 'bot_webhook_timeout_ms', type: 'number', min: 200, max: 15000, step: 100, value: settings.bot_webhook_timeout_ms }),
    auto_assign: h('input', { type: 'checkbox', name: 'auto_assign', checked: settings.auto_assign }),
    ai_assist: h('input', { type: 'checkbox', name: 'ai_assist', checked: settings.ai_assist !== false }),
    ai_auto_draft: h('input', { type: 'checkbox', name: 'ai_auto_draft', checked: settings.ai_auto_draft === true }),
    ai_bot: h('input', { type: 'checkbox', name: 'ai_bot', checked: settings.ai_bot === true }),
    ai_bot_min_confidence: h('input', { name: 'ai_bot_min_confidence', type: 'number', min: 0, max: 1, step: 0.05, value: settings.ai_bot_min_confidence ?? 0.6 }),
    tab_alerts: h('input', { type: 'checkbox', name: 'tab_alerts', checked: settings.tab_alerts !== false }),
    reopen_window_secs: h('input', { name: 'reopen_window_secs', type: 'number', min: 0, max: 2592000, value: settings.reopen_window_secs }),
  };
  const reopenHint = liveDuration(f.reopen_window_secs, 'A shopper writing within this long after a close reopens the chat');
  const save = h('button', { type: 'submit', class: 'primary', text: 'Save chat settings' });
  const form = h('form', { 'data-role': 'chat-settings', novalidate: true, onsubmit: (ev) => {
    ev.preventDefault();
    busy(save, async () => {
      clearErrors(form);
      // PUT replaces everything: start from what was loaded so fields not on this form
      // (keyword rules, bot_min_score) survive.
      const body = { ...settings,
        greeting: f.greeting.value, greeting_translations: greetingVersions(f.greeting_translations.value),
        color: f.color.value, languages: splitList(f.languages.value),
        bot_enabled: f.bot_enabled.checked, bot_name: f.bot_name.value,
        bot_max_misses: Number(f.bot_max_misses.value),
        bot_webhook_url: f.bot_webhook_url.value.trim() || null,
        bot_webhook_timeout_ms: Number(f.bot_webhook_timeout_ms.value),
        tab_alerts: f.tab_alerts.checked, auto_assign: f.auto_assign.checked, reopen_window_secs: Number(f.reopen_window_secs.value),
        ai_assist: f.ai_assist.checked, ai_auto_draft: f.ai_auto_draft.checked, ai_bot: f.ai_bot.checked,
        ai_bot_min_confidence: Number(f.ai_bot_min_confidence.value) };
      try {
        Object.assign(settings, await ctx.api.put(`/sites/${site.id}/chat-settings`, body));
        ctx.toast('Chat settings saved.');
      } catch (e) { showApiError(form, e); }
    });
  } },
  h('div', { class: 'owner-grid' },
    h('fieldset', {}, h('legend', { text: 'Widget' }),
      field('Greeting', f.greeting, 'The first line of an empty chat panel.'),
      field('Greeting in other languages', f.greeting_translations, 'One "code: text" a line, for shoppers served in that language (see Languages).'),
      field('Colour', f.color),
      field('Languages', f.languages, 'Comma-separated language tags, first is the main one: en, de'),
      checkboxField('Alert shoppers in a background tab', f.tab_alerts, 'A new message puts a count in the tab title and plays a short tone (after the shopper has written).')),
    h('fieldset', {}, h('legend', { text: 'Bot' }),
      checkboxField('Bot answers first', f.bot_enabled, 'From the knowledge base, or your own bot below.'),
      field('Bot name', f.bot_name),
      field('Misses before handing to a person', f.bot_max_misses),
      field('External bot webhook URL', f.bot_webhook_url, 'Optional, https. Leave empty to use the knowledge base.'),
      field('Webhook timeout (ms)', f.bot_webhook_timeout_ms, '200 to 15000; on timeout the chat goes to people.'),
      checkboxField('Bot answers with the AI model', f.ai_bot, "With a language model (yours or the server's) and AI for agents on: the bot may answer from your articles and the logged-in shopper's own orders, citing its source. Unsure or failing answers fall back to the articles as above."),
      field('AI answer confidence (0 to 1)', f.ai_bot_min_confidence, 'Below this, the bot answers as without the model.')),
    h('fieldset', {}, h('legend', { text: 'People' }),
      checkboxField('Assign queued chats automatically', f.auto_assign, 'Otherwise agents take chats from the queue themselves.'),
      checkboxField('AI drafts and summaries for agents', f.ai_assist, "When the server has a language model: agents' drafts and handoff summaries may send this chat to it. Off: nothing of this site goes to the provider."),
      checkboxField('Draft each shopper message automatically', f.ai_auto_draft, "With AI drafts on: when a shopper writes in a chat people have, the model drafts the answer into the agent's empty reply box to check and send. Each draft is a model call, within the server's daily budget."),
      field('Reopen window (seconds)', f.reopen_window_secs, reopenHint))),
  formError(), save);
  return section('Chat', form);
}

/** "fr: Bonjour\nde: Hallo" → { fr: "Bonjour", de: "Hallo" }; lines without a code are skipped. */
function greetingVersions(text) {
  const versions = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z]{2,3})\s*:\s*(.+)$/.exec(line);
    if (m) versions[m[1].toLowerCase()] = m[2].trim();
  }
  return versions;
}

/** A checkbox with its error slot, shaped like the other fields. */
function checkboxField(label, input, hint) {
  return h('div', { class: 'field' },
    h('label', { class: 'check' }, input, h('span', { class: 'field-label', text: label })),
    hint ? h('span', { class: 'hint', text: hint }) : null,
    errorSlot(input.name));
}

/** A hint that says what a number of seconds means ("= 1h 0m"), updated as it is typed. */
function liveDuration(input, text) {
  const node = h('span');
  const draw = () => { node.textContent = `${text} (${duration(Number(input.value) * 1000) || '0s'}).`; };
  input.addEventListener('input', draw);
  draw();
  return node;
}

const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

function triggerSection(settings, ctx) {
  const hours = settings.business_hours;
  const f = {
    fatigue_max: h('input', { name: 'fatigue_max', type: 'number', min: 0, value: settings.fatigue_max }),
    fatigue_window_secs: h('input', { name: 'fatigue_window_secs', type: 'number', min: 1, max: 2592000, value: settings.fatigue_window_secs }),
    attribution_window_secs: h('input', { name: 'attribution_window_secs', type: 'number', min: 1, max: 7776000, value: settings.attribution_window_secs }),
    use_hours: h('input', { type: 'checkbox', name: 'business_hours', checked: !!hours }),
    timezone: h('input', { name: 'business_hours.timezone', list: 'owner-timezones', value: hours ? hours.timezone : Intl.DateTimeFormat().resolvedOptions().timeZone }),
    open: h('input', { name: 'business_hours.open', type: 'time', value: hours ? hours.open : '09:00' }),
    close: h('input', { name: 'business_hours.close', type: 'time', value: hours ? hours.close : '17:00' }),
  };
  const days = DAYS.map((d, i) => h('input', { type: 'checkbox', name: 'business_hours.days', value: String(i + 1),
    checked: hours ? hours.days.includes(i + 1) : i < 5 }));
  const hoursBox = h('fieldset', { class: 'owner-hours', hidden: !hours }, h('legend', { text: 'Opening hours' }),
    field('Time zone', f.timezone, 'An IANA zone like Europe/Berlin.'), timezoneList(),
    h('div', { class: 'field' }, h('span', { class: 'field-label', id: 'owner-days-label', text: 'Days' }),
      h('div', { class: 'owner-days', role: 'group', 'aria-labelledby': 'owner-days-label' },
        days.map((box, i) => h('label', { class: 'check' }, box, h('span', { text: DAYS[i] })))),
      errorSlot('business_hours.days')),
    h('div', { class: 'owner-row' }, field('Opens', f.open), field('Closes', f.close)));
  f.use_hours.addEventListener('change', () => { hoursBox.hidden = !f.use_hours.checked; });
  const save = h('button', { type: 'submit', class: 'primary', text: 'Save trigger settings' });
  const form = h('form', { 'data-role': 'trigger-settings', novalidate: true, onsubmit: (ev) => {
    ev.preventDefault();
    busy(save, async () => {
      clearErrors(form);
      const body = {
        fatigue_max: Number(f.fatigue_max.value),
        fatigue_window_secs: Number(f.fatigue_window_secs.value),
        attribution_window_secs: Number(f.attribution_window_secs.value),
        business_hours: f.use_hours.checked ? {
          timezone: f.timezone.value.trim(), open: f.open.value, close: f.close.value,
          days: days.filter((d) => d.checked).map((d) => Number(d.value)),
        } : null,
      };
      try {
        await ctx.api.put(`/sites/${ctx.site.id}/trigger-settings`, body);
        ctx.toast('Trigger settings saved.');
      } catch (e) { showApiError(form, e); }
    });
  } },
  h('div', { class: 'owner-grid' },
    h('fieldset', {}, h('legend', { text: 'Fatigue budget' }),
      field('Proactive messages per visitor', f.fatigue_max, 'At most this many proactive messages…'),
      field('…per window (seconds)', f.fatigue_window_secs, liveDuration(f.fatigue_window_secs, 'Up to 30 days')),
      field('Attribution window (seconds)', f.attribution_window_secs, liveDuration(f.attribution_window_secs, 'A purchase this long after a firing counts as converted'))),
    h('div', {},
      checkboxField('Use opening hours (for the business_hours fact)', f.use_hours, 'Without them the shop counts as always open.'),
      hoursBox)),
  formError(), save);
  return section('Proactive messages', form);
}

function timezoneList() {
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return h('datalist', { id: 'owner-timezones' }, zones.map((z) => h('option', { value: z })));
}
