// Email for owners: whether the site sends email and how (From, the team's address, how
// long an agent's answer waits before it goes out to a shopper who is not reading, the
// transcript on close, queue alerts, hourly limits), what the server can do (SMTP, inbound
// replies), the delivery log, and the addresses the site no longer writes to (bounced or
// unsubscribed), which an owner may release. Every value is set as text.

import { h, replace, time } from '../dom.js';
import { pageHeader, section, formError, showApiError, clearErrors, confirmDialog, labelled, checkbox, busy, loading, failed } from './ui.js';

export function mount(root, ctx) {
  const settings = h('div');
  const log = h('div', { 'data-role': 'email-log' });
  const suppressed = h('div', { 'data-role': 'email-suppressions' });
  const redraw = () => { drawLog(log, ctx); drawSuppressions(suppressed, ctx); };
  replace(root, h('div', { class: 'owner-page', 'data-page': 'email' },
    pageHeader('Email', h('button', { type: 'button', 'data-role': 'refresh-log', text: 'Refresh', onclick: redraw })),
    section('Settings', settings),
    section('Delivery log', log),
    section('Addresses not written to', suppressed)));
  drawSettings(settings, ctx);
  redraw();
}

function base(ctx) { return `/sites/${ctx.site.id}/email`; }

function server(info) {
  if (!info) return null;
  const lines = [];
  lines.push(info.smtp ? 'This server sends email through its SMTP relay.' : 'This server has no SMTP relay configured (--smtp-host): no email is sent, whatever is set here.');
  // `inbound` is "imap", "http", "imap+http" or "none".
  const names = { imap: 'IMAP polling of the shop\'s mailbox', http: 'the inbound mail endpoint' };
  const inbound = String(info.inbound || 'none').split('+').filter((p) => names[p]).map((p) => names[p]);
  lines.push(inbound.length ? `Shoppers' replies come back into the chat by ${inbound.join(' and ')}.` : 'Replies to emails do not come back into the chat on this server (no IMAP mailbox or inbound endpoint is configured).');
  return h('div', { class: 'hint', 'data-role': 'email-server' }, lines.map((t) => h('p', { text: t })));
}

async function drawSettings(node, ctx) {
  loading(node);
  let body;
  try { body = await ctx.api.get(base(ctx)); } catch (e) { failed(node, 'the email settings', e); return; }
  const s = body.settings || body;
  const num = (name, value, min, max) => h('input', { name, type: 'number', min, max, value: String(value) });
  const text = (name, value, placeholder, type = 'text') => h('input', { name, type, value: value || '', placeholder, maxlength: 254 });
  const enabled = checkbox('Send email for this site', { name: 'enabled', checked: s.enabled });
  const fromName = text('from_name', s.from_name, ctx.site.name);
  const fromAddress = text('from_address', s.from_address, 'the server\'s address', 'email');
  const replyTo = text('reply_address', s.reply_address, 'the server\'s reply address', 'email');
  const team = text('team_address', s.team_address, 'team@your-shop.example', 'email');
  const replyDelay = num('reply_delay_secs', s.reply_delay_secs, 5, 86400);
  const unreadDelay = num('unread_delay_secs', s.unread_delay_secs, 30, 86400);
  const transcript = checkbox('Email the transcript to the shopper when a chat closes', { name: 'transcript_on_close', checked: s.transcript_on_close });
  const notify = checkbox('Tell the team when a shopper leaves an email while nobody is online', { name: 'notify_team_on_contact', checked: s.notify_team_on_contact });
  const alert = num('queue_alert_secs', s.queue_alert_secs, 0, 86400);
  const perRecipient = num('max_per_recipient_per_hour', s.max_per_recipient_per_hour, 1, 100);
  const perSite = num('max_per_site_per_hour', s.max_per_site_per_hour, 1, 100000);
  const save = h('button', { type: 'submit', class: 'primary', text: 'Save' });
  const empty = (input) => (input.value.trim() === '' ? null : input.value.trim());
  const form = h('form', { 'data-role': 'email-settings', novalidate: true, onsubmit: (ev) => {
    ev.preventDefault();
    busy(save, async () => {
      clearErrors(form);
      const change = {
        enabled: enabled.querySelector('input').checked,
        from_name: empty(fromName),
        from_address: empty(fromAddress),
        reply_address: empty(replyTo),
        team_address: empty(team),
        reply_delay_secs: Number(replyDelay.value),
        unread_delay_secs: Number(unreadDelay.value),
        transcript_on_close: transcript.querySelector('input').checked,
        notify_team_on_contact: notify.querySelector('input').checked,
        queue_alert_secs: Number(alert.value),
        max_per_recipient_per_hour: Number(perRecipient.value),
        max_per_site_per_hour: Number(perSite.value),
      };
      try {
        await ctx.api.put(base(ctx), change);
        ctx.toast('Email settings saved.');
        drawSettings(node, ctx);
      } catch (e) { showApiError(form, e); }
    });
  } },
  server(body.server),
  h('div', { class: 'field' }, enabled, h('span', { class: 'hint', text: 'Off: no email goes out for this site and replies are not taken in.' })),
  labelled('From name', fromName, 'Shown as the sender; the shop\'s name when empty.'),
  labelled('From address', fromAddress, 'Must be on a domain this server may send for; the server\'s own address when empty. Publish SPF and DKIM for it (see README).'),
  labelled('Reply address', replyTo, 'Shoppers\' replies go here, with the chat\'s token added (support+TOKEN@…); the mailbox must reach this server (the polled mailbox or the inbound endpoint). Empty: the server\'s.'),
  labelled('Team address', team, 'Where notices go: a message left while nobody was online, a chat waiting too long. Empty: no notices.'),
  labelled('Wait before emailing an answer to a shopper who left (seconds)', replyDelay, 'Lines an agent writes within this time go out as one email.'),
  labelled('Wait before emailing an unread answer to a shopper who is still on the site (seconds)', unreadDelay, 'If they read it in the chat meanwhile, no email is sent.'),
  h('div', { class: 'field' }, transcript),
  h('div', { class: 'field' }, notify),
  labelled('Tell the team when a chat waits in the queue this long (seconds, 0 = never)', alert),
  labelled('Emails to one address per hour, at most', perRecipient),
  labelled('Emails for the whole site per hour, at most', perSite),
  formError(), save);
  replace(node, form);
}

async function drawLog(node, ctx) {
  loading(node);
  try {
    const body = await ctx.api.get(`${base(ctx)}/log`);
    const entries = body.entries || body.log || [];
    if (!entries.length) {
      replace(node, h('p', { class: 'muted owner-empty', text: 'No email sent yet.' }));
      return;
    }
    replace(node, h('div', { class: 'table-wrap' }, h('table', { class: 'data', 'data-role': 'email-deliveries' },
      h('thead', {}, h('tr', {}, ['Time', 'Kind', 'To', 'Attempt', 'Result', 'Detail'].map((t) => h('th', { scope: 'col', text: t })))),
      h('tbody', {}, entries.map((d) => h('tr', { 'data-outcome': d.outcome.outcome || d.outcome },
        h('td', { text: time(d.at) }),
        h('td', { text: d.kind.replace('_', ' ') }),
        h('td', { text: d.to }),
        h('td', { text: String(d.attempt) }),
        h('td', { text: d.outcome.outcome || d.outcome }),
        h('td', { text: d.detail || '' })))))));
  } catch (e) { failed(node, 'the email log', e); }
}

async function drawSuppressions(node, ctx) {
  loading(node);
  try {
    const body = await ctx.api.get(`${base(ctx)}/suppressions`);
    const list = body.suppressions || body.entries || [];
    if (!list.length) {
      replace(node, h('p', { class: 'muted owner-empty', text: 'None: every address is written to.' }));
      return;
    }
    replace(node, h('div', { class: 'table-wrap' }, h('table', { class: 'data' },
      h('thead', {}, h('tr', {}, ['Address', 'Why', 'Since', 'Detail', ''].map((t) => h('th', { scope: 'col', text: t })))),
      h('tbody', {}, list.map((s) => {
        const release = h('button', { type: 'button', 'data-role': 'release', text: 'Write to it again', onclick: async () => {
          if (!(await confirmDialog(`Write to ${s.email} again?`, 'Release'))) return;
          try { await ctx.api.del(`${base(ctx)}/suppressions/${encodeURIComponent(s.email)}`); drawSuppressions(node, ctx); } catch (err) { ctx.toast(`Not released: ${err.message}`); }
        } });
        return h('tr', { 'data-email': s.email },
          h('td', { text: s.email }),
          h('td', { text: s.reason }),
          h('td', { text: time(s.at) }),
          h('td', { text: s.detail || '' }),
          h('td', { class: 'actions' }, release));
      })))));
  } catch (e) { failed(node, 'the suppression list', e); }
}
