// The shop's own data beside the chat: the customer's profile and recent orders (status,
// items, parcels with their tracking links, refunds, returns, the shoppers' open requests and
// why an order looks stuck), from GET …/conversations/{id}/customer. Everything is text
// through h(); a tracking link becomes an <a> only when it is http(s).

import { h, replace, time } from '../dom.js';

const REQUEST_KINDS = { return: 'Return requested', cancel: 'Cancellation requested' };
const RETURN_STATES = { requested: 'requested', approved: 'approved', declined: 'declined', in_progress: 'in progress', closed: 'closed' };

/** The Customer section: one node per fetch, kept across the pane's redraws. */
export class CustomerSection {
  constructor(ctx) {
    this.ctx = ctx;
    this.conversation = null;
    this.seq = 0;
    this.body = h('div', { 'data-role': 'customer-body' }, h('p', { class: 'muted', text: 'Loading the shop’s data…' }));
    this.refreshButton = h('button', { type: 'button', class: 'ghost small', 'data-role': 'customer-refresh',
      'aria-label': 'Reload the customer and orders from the shop', text: '↻ Refresh', onclick: () => this.load() });
    this.node = h('section', { 'data-role': 'customer', 'aria-busy': 'false' },
      h('div', { class: 'section-head' }, h('h3', { text: 'Customer' }), this.refreshButton),
      this.body);
  }

  /** Loads the section for `conversation` (on open, on refresh, when the shopper identifies). */
  async load(conversation) {
    if (conversation) this.conversation = conversation;
    const c = this.conversation;
    if (!c) return;
    const seq = ++this.seq;
    this.node.setAttribute('aria-busy', 'true');
    this.refreshButton.disabled = true;
    let pane = null;
    let error = null;
    try {
      pane = await this.ctx.api.get(`/sites/${this.ctx.site.id}/conversations/${c.id}/customer`);
    } catch (e) {
      error = e;
    }
    if (seq !== this.seq) return;
    this.node.setAttribute('aria-busy', 'false');
    this.refreshButton.disabled = false;
    // Orders the agent opened stay open after a refresh.
    const open = new Set([...this.body.querySelectorAll('details[open]')].map((d) => d.dataset.orderId));
    const first = !this.body.querySelector('details');
    if (error) replace(this.body, h('p', { class: 'error', role: 'alert', text: `Could not load the shop’s data: ${error.message}` }));
    else replace(this.body, content(pane, (o, i) => (first ? i === 0 || !!o.stuck : open.has(o.id))));
  }
}

function content(pane, isOpen) {
  if (!pane || !pane.link) return h('p', { class: 'muted', 'data-role': 'customer-none', text: 'The shop has no customer record or orders for this shopper.' });
  return [
    pane.link === 'contact_email'
      ? h('p', { class: 'unverified', 'data-role': 'customer-unverified', text: 'Unverified — matched by the email the shopper typed. Confirm who they are before sharing order details.' })
      : null,
    pane.customer ? profile(pane.customer) : h('p', { class: 'muted', text: 'Guest orders (no customer account).' }),
    pane.orders.length
      ? h('div', { class: 'orders', 'data-role': 'shop-orders' }, pane.orders.map((o, i) => order(o, isOpen(o, i))))
      : h('p', { class: 'muted', text: 'No orders yet.' }),
  ];
}

function profile(c) {
  return h('dl', { class: 'kv', 'data-role': 'customer-profile' },
    kv('Name', c.name || '—'),
    c.email ? kv('Email', c.email) : null,
    kv('Orders', String(c.orders_count), 'customer-orders-count'),
    c.total_spent ? kv('Spent', c.total_spent, 'customer-total-spent') : null,
    c.since ? kv('Since', c.since) : null,
    c.tags && c.tags.length
      ? [h('dt', { text: 'Tags' }), h('dd', { class: 'chips' }, c.tags.map((t) => h('span', { class: 'tag', text: t })))]
      : null);
}

function order(o, open) {
  return h('details', { class: 'order', 'data-role': 'shop-order', 'data-order-id': o.id, open },
    h('summary', null,
      h('span', { class: 'order-number', 'data-role': 'order-number', text: o.number }),
      h('span', { class: `pill ${tone(o)}`, 'data-role': 'order-status', text: o.status }),
      o.stuck ? h('span', { class: 'pill stuck', 'data-role': 'stuck-badge', title: o.stuck, text: 'Stuck' }) : null,
      h('span', { class: 'when', text: [o.total, o.placed].filter(Boolean).join(' · ') })),
    o.stuck ? h('p', { class: 'stuck-reason', 'data-role': 'stuck-reason', text: `Needs a person: ${o.stuck}` }) : null,
    h('dl', { class: 'kv' },
      kv('Order', words(o.order_status)),
      o.financial_status ? kv('Payment', words(o.financial_status)) : null,
      kv('Shipping', words(o.fulfillment_status)),
      o.refunded ? kv('Refunded', o.refunded) : null),
    o.items.length
      ? h('table', { class: 'lines' },
        h('tbody', null, o.items.map((item) => h('tr', null,
          h('td', null, `${item.quantity} × ${item.name}`, item.sku ? h('span', { class: 'sku', text: ` ${item.sku}` }) : null),
          h('td', { title: `${item.price} each`, text: item.total || item.price })))),
        h('tfoot', null, h('tr', null, h('td', { text: 'Total' }), h('td', { text: o.total }))))
      : null,
    o.shipments.map(shipment),
    o.refunds.length ? h('ul', { class: 'trail', 'data-role': 'refunds' }, o.refunds.map((r) => h('li', null,
      h('span', { text: `Refund ${r.amount}${r.note ? ` — ${r.note}` : ''}` }), h('span', { class: 'when', text: r.on || '' })))) : null,
    o.returns.length ? h('ul', { class: 'trail', 'data-role': 'returns' }, o.returns.map((r) => h('li', null,
      h('span', { text: `Return ${RETURN_STATES[r.status] || r.status}` }), h('span', { class: 'when', text: r.opened || '' })))) : null,
    o.requests.length ? h('ul', { class: 'requests', 'data-role': 'order-requests' }, o.requests.map((r) => h('li', null,
      h('strong', { text: REQUEST_KINDS[r.kind] || r.kind }),
      r.reason ? `: ${r.reason}` : '',
      h('span', { class: 'when', text: ` ${time(r.made_at)}` })))) : null,
    link(o.status_url, 'The shop’s order page', 'order-page'));
}

function shipment(s) {
  return h('div', { class: 'parcel', 'data-role': 'shipment' },
    h('div', { class: 'parcel-head' },
      h('strong', { text: s.carrier || 'Parcel' }),
      h('span', { class: 'pill', text: s.status })),
    s.tracking_number ? h('div', { class: 'muted', text: `Tracking number ${s.tracking_number}` }) : null,
    s.estimated_delivery ? h('div', { class: 'muted', text: `Expected ${s.estimated_delivery}` }) : null,
    link(s.tracking_url, 'Track the parcel', 'tracking-link'),
    s.events.length ? h('ol', { class: 'trail events' }, s.events.map((e) => h('li', null,
      h('span', { title: [e.description, e.location].filter(Boolean).join(' — '), text: [e.description || e.status, e.location].filter(Boolean).join(' · ') }),
      h('span', { class: 'when', text: time(e.at) })))) : null);
}

/** An outside link, only for http(s) (the server checks too), opening in a new tab. */
function link(url, text, role) {
  if (!url) return null;
  let parsed = null;
  try { parsed = new URL(url); } catch { return null; }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return null;
  return h('a', { href: url, target: '_blank', rel: 'noopener noreferrer', class: 'outbound', 'data-role': role, text });
}

/** The status pill's colour: trouble red, delivered green, on its way blue, waiting amber. */
function tone(o) {
  if (o.stuck) return 'stuck';
  if (['cancelled', 'refunded', 'failed'].includes(o.order_status)) return '';
  if (o.order_status === 'completed') return 'ok';
  const parcel = o.shipments[0];
  if (parcel && parcel.shipment_status === 'delivered') return 'ok';
  if (parcel) return 'info';
  return 'wait';
}

function words(value) {
  return value ? String(value).replace(/_/g, ' ') : '—';
}

function kv(label, value, role) {
  return [h('dt', { text: label }), h('dd', { 'data-role': role || null, text: value })];
}
