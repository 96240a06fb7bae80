// Beside the chat: who the shopper is, who they are to the shop (customer record and
// orders from the shop's own systems, `customer.js`), where they are and have been this
// session (with times), what is in their cart, the product they look at, the purchases the
// browser reported and their past conversations — what an agent needs to answer without asking.

import { h, keep, replace, money, duration, time } from '../dom.js';
import { STAGES } from './labels.js';
import { CustomerSection } from './customer.js';

const REFRESH_MIN_MS = 1000;

export class ContextPanel {
  constructor(ctx, pane, onVisitor) {
    this.ctx = ctx;
    this.onVisitor = onVisitor || (() => {});
    this.pane = pane;
    this.conversation = null;
    this.lastFetch = 0;
    this.pendingRefresh = null;
    // Built once per fetch and kept across redraws (its open orders stay open): the shop's
    // data does not change with every page the shopper opens.
    this.customer = new CustomerSection(ctx);
    this.off = ctx.live.on('visitors', (frame) => {
      if (frame && this.conversation && frame.visitor && frame.visitor.visitor_id === this.conversation.visitor_id) this.refresh();
    });
    this.tick = setInterval(() => this.drawTimeOnPage(), 1000);
  }

  show(conversation) {
    const changed = !this.conversation || this.conversation.visitor_id !== conversation.visitor_id;
    const opened = !this.conversation || this.conversation.id !== conversation.id;
    this.conversation = conversation;
    if (changed) replace(this.pane, h('p', { class: 'muted', text: 'Loading the shopper…' }));
    if (opened) this.customer.load(conversation);
    this.refresh(true);
  }

  /** Refetches the visitor, at most once a second however many updates arrive. */
  refresh(now) {
    const wait = now ? 0 : Math.max(0, this.lastFetch + REFRESH_MIN_MS - Date.now());
    if (this.pendingRefresh) return;
    this.pendingRefresh = setTimeout(() => { this.pendingRefresh = null; this.load(); }, wait);
  }

  async load() {
    const c = this.conversation;
    if (!c) return;
    // While the socket is away the server may be too; the `ready` after the reconnect
    // reloads the open chat, and this panel with it.
    if (this.ctx.live.connection !== 'open' && this.visitor !== undefined) return;
    this.lastFetch = Date.now();
    const site = this.ctx.site.id;
    const [visitor, past] = await Promise.all([
      this.ctx.api.get(`/sites/${site}/visitors/${c.visitor_id}`).catch(() => null),
      this.ctx.api.get(`/sites/${site}/conversations?visitor=${encodeURIComponent(c.visitor_id)}&limit=10`).catch(() => null),
    ]);
    if (this.conversation !== c) return;
    // A shopper who signs in while the chat is open may become a customer the shop knows.
    if (this.visitor && visitor && this.visitor.identified !== visitor.identified) this.customer.load();
    this.visitor = visitor;
    this.onVisitor(visitor);
    this.draw(visitor, past ? past.conversations.filter((p) => p.id !== c.id) : null);
  }

  draw(v, past) {
    if (!v) {
      replace(this.pane, h('p', { class: 'empty', text: 'Nothing is known about this shopper yet.' }), this.customer.node);
      return;
    }
    const attrs = v.attributes || {};
    const product = v.product;
    const cart = v.cart;
    this.timeOnPage = h('dd', { 'data-role': 'time-on-page' });
    this.merge(
      h('section', { 'data-role': 'identity' },
        h('h3', { text: 'Shopper' }),
        h('dl', { class: 'kv' },
          kv('Name', attrs.name || (v.identified ? 'Identified' : 'Anonymous')),
          attrs.email ? kv('Email', attrs.email) : null,
          kv('Status', v.online ? 'On the shop now' : `Last seen ${time(v.last_seen_at)}`),
          kv('Visits', `${v.visits} (${v.returning ? 'returning' : 'new'})`),
          // The shop verified this customer: their chats on every device are listed below.
          v.customer ? kv('Customer', `Verified · ${v.customer.visitors.length} device${v.customer.visitors.length === 1 ? '' : 's'}`, 'customer-devices') : null,
          v.referrer_host || (v.utm && v.utm.source) ? kv('Source', [v.utm && v.utm.source, v.utm && v.utm.campaign, v.referrer_host].filter(Boolean).join(' · ')) : null,
          v.language ? kv('Language', v.language) : null,
          v.device ? kv('Device', v.device) : null)),
      this.customer.node,
      h('section', { 'data-role': 'current-page' },
        h('h3', { text: 'Now' }),
        h('dl', { class: 'kv' },
          kv('Page', v.current_page ? (v.current_page.title || v.current_page.path || v.current_page.url) : '—', 'page'),
          h('dt', { text: 'On page' }), this.timeOnPage,
          kv('Pages', String(v.pages_this_session)))),
      product ? h('section', { 'data-role': 'product' },
        h('h3', { text: 'Viewing' }),
        h('dl', { class: 'kv' },
          kv('Product', product.name || product.sku || ''),
          product.sku ? kv('SKU', product.sku) : null,
          product.price !== undefined && product.price !== null ? kv('Price', money(product.price, product.currency || (cart && cart.currency))) : null)) : null,
      h('section', { 'data-role': 'cart' },
        h('h3', { text: 'Cart' }),
        cart && cart.items && cart.items.length
          ? h('table', { class: 'lines' },
            h('tbody', null, cart.items.map((item) => h('tr', null,
              h('td', { text: `${item.qty || 1} × ${item.name || item.sku}` }),
              h('td', { text: item.price === undefined ? '' : money(item.price * (item.qty || 1), cart.currency) })))),
            h('tfoot', null, h('tr', null, h('td', { text: 'Total' }), h('td', { 'data-role': 'cart-total', text: money(cart.total, cart.currency) }))))
          : h('p', { class: 'muted', text: 'Empty' })),
      h('section', { 'data-role': 'trail' },
        h('h3', { text: 'Pages this session' }),
        v.trail && v.trail.length
          ? h('ol', { class: 'trail' }, [...v.trail].reverse().map((p) => h('li', null,
            h('span', { title: p.page.url || '', text: p.page.title || p.page.path || p.page.url || '' }),
            h('span', { class: 'when', text: time(p.at) }))))
          : h('p', { class: 'muted', text: 'No pages yet' })),
      h('section', { 'data-role': 'orders' },
        h('h3', { text: 'Purchases tracked on the site' }),
        v.orders && v.orders.length
          ? h('ul', { class: 'trail' }, [...v.orders].reverse().map((o) => h('li', null,
            h('span', { text: o.id ? `Order ${o.id}` : 'Order' }),
            h('span', { class: 'when', text: `${money(o.total, o.currency)} · ${time(o.at)}` }))))
          : h('p', { class: 'muted', text: 'None tracked in the browser' })),
      past ? h('section', { 'data-role': 'past-conversations' },
        h('h3', { text: 'Past conversations' }),
        past.length
          ? h('ul', { class: 'trail' }, past.map((p) => h('li', null,
            h('a', { href: `#/inbox/${p.id}`, text: `${time(p.created_at)}` }),
            h('span', { class: 'when', text: STAGES[p.state] || p.state }))))
          : h('p', { class: 'muted', text: 'None before this one' })) : null);
  }

  /**
   * Puts the freshly built sections on the pane, keeping every section already shown that
   * looks the same: a shopper's new page or cart replaces only the sections showing them,
   * so the agent's focus (a past conversation's link) and scroll position stay where they are.
   */
  merge(...sections) {
    this.drawTimeOnPage();
    const shown = new Map([...this.pane.children].filter((n) => n.dataset.role).map((n) => [n.dataset.role, n]));
    keep(this.pane, sections.map((fresh) => {
      const old = fresh && shown.get(fresh.dataset.role);
      return old && old.isEqualNode(fresh) ? old : fresh;
    }));
    // The clock ticks in whichever "On page" cell stayed on the pane.
    this.timeOnPage = this.pane.querySelector('[data-role=time-on-page]');
  }

  drawTimeOnPage() {
    if (!this.timeOnPage || !this.visitor) return;
    const v = this.visitor;
    const live = this.ctx.live.visitors.get(v.id);
    const entered = live && live.page_entered_at;
    this.timeOnPage.textContent = entered ? duration(Date.now() - entered) : duration(v.time_on_page_ms);
  }

  destroy() {
    this.off();
    clearInterval(this.tick);
    clearTimeout(this.pendingRefresh);
  }
}

function kv(label, value, role) {
  return [h('dt', { text: label }), h('dd', { 'data-role': role || null, text: value })];
}
