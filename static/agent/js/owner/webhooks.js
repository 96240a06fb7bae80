// Outbound events for owners: the endpoints of the shop's own stack that hear about
// conversations, messages, contact emails and return requests (signed webhooks), a test
// event per endpoint, and the delivery log. The signing secret is shown once, when an
// endpoint is created; the list shows its first characters only.

import { h, replace, time } from '../dom.js';
import { pageHeader, section, formError, errorSlot, showApiError, clearErrors, busy, loading, failed, labelled as field, checkbox, confirmDialog } from './ui.js';

const EVENTS = [
  ['conversation.created', 'Conversation created'],
  ['conversation.handed_off', 'Handed off to people'],
  ['conversation.assigned', 'Assigned to an agent'],
  ['conversation.closed', 'Conversation closed'],
  ['message.created', 'Message (shopper, agent, bot)'],
  ['contact.captured', 'Contact email left'],
  ['return.requested', 'Return requested'],
];

export function mount(root, ctx) {
  const list = h('div', { 'data-role': 'webhook-endpoints' });
  const log = h('div', { 'data-role': 'webhook-log' });
  const redraw = () => { draw(list, ctx, redraw); drawLog(log, ctx); };
  replace(root, h('div', { class: 'owner-page', 'data-page': 'webhooks' },
    pageHeader('Webhooks',
      h('button', { type: 'button', 'data-role': 'refresh-log', text: 'Refresh', onclick: redraw })),
    h('p', { class: 'hint', text: 'Events are POSTed as JSON and signed the Standard Webhooks way (webhook-id, webhook-timestamp, webhook-signature). Failed deliveries are retried 4 more times over about 8 minutes.' }),
    section('Endpoints', list),
    section('Add an endpoint', createForm(ctx, redraw)),
    section('Delivery log', log)));
  redraw();
}

function base(ctx) { return `/sites/${ctx.site.id}/webhooks`; }

async function draw(node, ctx, redraw) {
  loading(node);
  try {
    const { endpoints } = await ctx.api.get(base(ctx));
    if (!endpoints.length) {
      replace(node, h('p', { class: 'muted owner-empty', text: 'No endpoints yet.' }));
      return;
    }
    replace(node, h('div', { class: 'table-wrap' }, h('table', { class: 'data' },
      h('thead', {}, h('tr', {}, ['URL', 'Events', 'Description', 'Secret', ''].map((t) => h('th', { scope: 'col', text: t })))),
      h('tbody', {}, endpoints.map((e) => row(e, ctx, redraw))))));
  } catch (e) { failed(node, 'the endpoints', e); }
}

function row(e, ctx, redraw) {
  const test = h('button', { type: 'button', 'data-role': 'test-endpoint', text: 'Send test', onclick: () => busy(test, async () => {
    try {
      await ctx.api.post(`${base(ctx)}/${e.id}/test`);
      ctx.toast('Test event queued; see the delivery log.');
      setTimeout(redraw, 1500);
    } catch (err) { ctx.toast(`Test failed: ${err.message}`); }
  }) });
  const del = h('button', { type: 'button', class: 'danger', 'data-role': 'delete-endpoint', text: 'Delete', onclick: async () => {
    if (!(await confirmDialog(`Delete the endpoint ${e.url}?`))) return;
    try { await ctx.api.del(`${base(ctx)}/${e.id}`); redraw(); } catch (err) { ctx.toast(`Not deleted: ${err.message}`); }
  } });
  return h('tr', { 'data-endpoint': e.id },
    h('td', {}, h('code', { text: e.url })),
    h('td', { text: e.events.join(', ') }),
    h('td', { text: e.description }),
    h('td', {}, h('code', { text: e.secret_prefix })),
    h('td', { class: 'actions' }, test, del));
}

function createForm(ctx, redraw) {
  const url = h('input', { name: 'url', type: 'url', required: true, maxlength: 2000, placeholder: 'https://crm.example/shopchat' });
  const description = h('input', { name: 'description', maxlength: 200, placeholder: 'CRM' });
  const boxes = EVENTS.map(([name, label]) => checkbox(label, { name: 'event', value: name, checked: true }));
  const shown = h('div', { 'data-role': 'new-secret' });
  const save = h('button', { type: 'submit', class: 'primary', text: 'Add endpoint' });
  const form = h('form', { 'data-role': 'webhook-form', novalidate: true, onsubmit: (ev) => {
    ev.preventDefault();
    busy(save, async () => {
      clearErrors(form);
      const events = [...form.querySelectorAll('input[name=event]:checked')].map((i) => i.value);
      try {
        const created = await ctx.api.post(base(ctx), { url: url.value.trim(), events, description: description.value });
        replace(shown, h('p', { class: 'hint', text: 'Signing secret — copy it now, it is not shown again:' }),
          h('code', { class: 'secret', 'data-role': 'endpoint-secret', text: created.secret }));
        // Not form.reset(): it would untick the event boxes (they start ticked by script).
        url.value = '';
        description.value = '';
        redraw();
      } catch (e) { showApiError(form, e); }
    });
  } },
  field('URL', url, 'https only; the shop\'s server that receives the events.'),
  h('fieldset', { class: 'field' }, h('legend', { text: 'Events' }), boxes, errorSlot('events')),
  field('Description', description, 'What it is for (optional).'),
  formError(), save, shown);
  return form;
}

async function drawLog(node, ctx) {
  loading(node);
  try {
    const { deliveries } = await ctx.api.get(`${base(ctx)}/deliveries`);
    if (!deliveries.length) {
      replace(node, h('p', { class: 'muted owner-empty', text: 'Nothing delivered yet.' }));
      return;
    }
    replace(node, h('div', { class: 'table-wrap' }, h('table', { class: 'data', 'data-role': 'deliveries' },
      h('thead', {}, h('tr', {}, ['Time', 'Event', 'Endpoint', 'Attempt', 'Answer', 'Result'].map((t) => h('th', { scope: 'col', text: t })))),
      h('tbody', {}, deliveries.map((d) => h('tr', { 'data-outcome': d.outcome },
        h('td', { text: time(d.at) }),
        h('td', { text: d.event_type }),
        h('td', {}, h('code', { text: d.url })),
        h('td', { text: String(d.attempt) }),
        h('td', { text: d.status ? `HTTP ${d.status}` : (d.error || '') }),
        h('td', { text: d.outcome })))))));
  } catch (e) { failed(node, 'the delivery log', e); }
}
