// Who is on the shop right now, updating live from the agent socket: current page, time on
// it (ticking), pages this session, cart, new or returning, where they came from, and their
// name when the shop identified them. An agent can open a chat with any of them.

import { h, replace, money, duration, throttle } from '../dom.js';
import { visitorName } from './labels.js';

/** Most rows drawn at once; the filter finds anyone beyond them. */
const MAX_ROWS = 300;

export function mount(root, ctx) {
  const { live } = ctx;
  const body = h('tbody', { 'data-role': 'visitor-rows' });
  const count = h('span', { class: 'muted', 'data-role': 'visitor-count' });
  const filter = h('input', { type: 'search', 'data-role': 'visitor-filter', placeholder: 'Filter by name, page or source',
    'aria-label': 'Filter visitors', oninput: () => draw() });
  root.append(
    h('div', { class: 'toolbar' }, h('h1', { text: 'Live visitors' }), filter, count),
    h('div', { class: 'card table-wrap' },
      h('table', { class: 'data', 'data-role': 'live-visitors' },
        h('thead', null, h('tr', null,
          ['Visitor', 'Current page', 'On page', 'Pages', 'Cart', 'Visit', 'Source', ''].map((t) => h('th', { scope: 'col', text: t })))),
        body)));

  // Rows by visitor, with what they showed: a redraw rebuilds only the rows whose visitor
  // changed and moves the others, so a busy shop does not rebuild hundreds of rows 5×/s.
  const rows = new Map();

  function draw() {
    const site = ctx.site && ctx.site.id;
    const needle = filter.value.trim().toLowerCase();
    const all = [...live.visitors.values()].filter((v) => v.site_id === site);
    const visitors = all
      .filter((v) => !needle || searchText(v).includes(needle))
      .sort((a, b) => (b.page_entered_at || 0) - (a.page_entered_at || 0));
    const shown = visitors.slice(0, MAX_ROWS);
    count.textContent = visitors.length > MAX_ROWS
      ? `${all.length} on the shop now · showing the ${MAX_ROWS} most recently active`
      : `${all.length} on the shop now`;
    if (!shown.length) {
      rows.clear();
      replace(body, h('tr', null, h('td', { colspan: 8, class: 'empty', text: all.length
        ? 'Nobody matches the filter.'
        : 'Nobody is on the shop right now. Visitors appear here the moment they open a page with the widget.' })));
      return;
    }
    const keep = new Set();
    const nodes = shown.map((v) => {
      const open = openConversation(v.visitor_id);
      const key = JSON.stringify([v, open && open.id]);
      keep.add(v.visitor_id);
      const cached = rows.get(v.visitor_id);
      if (cached && cached.key === key) return cached.node;
      const node = row(v, open);
      rows.set(v.visitor_id, { key, node });
      return node;
    });
    for (const id of rows.keys()) if (!keep.has(id)) rows.delete(id);
    body.replaceChildren(...nodes);
  }

  function openConversation(visitorId) {
    for (const c of live.conversations.values()) if (c.visitor_id === visitorId) return c;
    return null;
  }

  function searchText(v) {
    const page = v.current_page || {};
    return [v.name, v.visitor_id, page.title, page.path, v.utm_source, v.referrer_host]
      .filter(Boolean).join(' ').toLowerCase();
  }

  function row(v, open) {
    const page = v.current_page;
    const source = [v.utm_source, v.referrer_host].filter(Boolean).join(' · ') || 'Direct';
    return h('tr', { 'data-visitor-id': v.visitor_id },
      h('td', null,
        h('strong', { 'data-field': 'name', text: visitorName(live, v.visitor_id) }),
        v.identified ? h('span', { class: 'pill assigned', text: 'Identified' }) : null),
      h('td', { class: 'page-cell', 'data-field': 'page', title: page ? page.url : '' },
        page ? (page.title || page.path) : '—',
        page && page.title ? h('div', { class: 'row-sub', text: page.path }) : null),
      h('td', { class: 'num', 'data-field': 'time-on-page', 'data-since': v.page_entered_at || '', text: v.page_entered_at ? duration(Date.now() - v.page_entered_at) : '' }),
      h('td', { class: 'num', 'data-field': 'pages', text: v.pages_this_session }),
      h('td', { class: 'num', 'data-field': 'cart', text: v.cart_items ? `${money(v.cart_total, v.currency)} (${v.cart_items})` : '—' }),
      h('td', { 'data-field': 'visit', text: v.returning ? 'Returning' : 'New' }),
      h('td', { 'data-field': 'source', text: source }),
      h('td', null, open
        ? h('a', { href: `#/inbox/${open.id}`, 'data-role': 'open-chat', text: 'Open chat' })
        : h('button', { type: 'button', 'data-role': 'start-chat', text: 'Start chat', onclick: () => startDialog(v) })));
  }

  function startDialog(v) {
    const text = h('textarea', { name: 'text', rows: 3, maxlength: 4000, required: true, 'aria-label': 'Opening message' });
    text.value = v.name ? `Hi ${v.name}, can I help you with anything?` : 'Hi, can I help you with anything?';
    const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const dialog = h('dialog', { 'data-role': 'start-dialog', 'aria-label': 'Start a chat' },
      h('form', { onsubmit: async (ev) => {
        ev.preventDefault();
        try {
          const ok = await ctx.socket.send({ type: 'start', site_id: v.site_id, visitor_id: v.visitor_id, client_msg_id: crypto.randomUUID(), text: text.value.trim() });
          dialog.close();
          if (ok.message) ctx.navigate(`#/inbox/${ok.message.conversation_id}`);
        } catch (e) {
          error.textContent = e.message;
          error.hidden = false;
        }
      } },
      h('h2', { text: `Start a chat with ${visitorName(live, v.visitor_id)}` }),
      h('p', { class: 'muted', text: 'They see it in the widget, from you.' }),
      text, error,
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'primary', text: 'Send' }),
        h('button', { type: 'button', text: 'Cancel', onclick: () => dialog.close() }))));
    dialog.addEventListener('close', () => dialog.remove());
    document.body.append(dialog);
    dialog.showModal();
    text.focus();
  }

  // Only the clocks change every second: update those cells, not the whole table.
  const tick = setInterval(() => {
    for (const cell of body.querySelectorAll('[data-field="time-on-page"]')) {
      const since = Number(cell.dataset.since);
      if (since) cell.textContent = duration(Date.now() - since);
    }
  }, 1000);
  const redraw = throttle(draw, 200);
  const offs = [live.on('visitors', redraw), live.on('conversations', redraw), live.on('ready', redraw)];
  draw();
  return () => { offs.forEach((off) => off()); clearInterval(tick); };
}
