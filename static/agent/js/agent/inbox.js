// The agent's working view: the queue, my chats and the bot's chats on the left, the chosen
// chat in the middle, the shopper's context on the right. Everything live comes from the
// agent socket (`ctx.live`); transcripts and context are fetched over REST when a chat opens.

import { h, replace, duration, throttle } from '../dom.js';
import { REASONS, visitorName, priorityLabel, queueOrder } from './labels.js';
import { ChatView } from './chat.js';

export function mount(root, ctx) {
  const { live } = ctx;
  const list = h('section', { class: 'card list', 'aria-label': 'Conversations', 'data-role': 'conversation-list' });
  const chatPane = h('section', { class: 'card chat', 'aria-label': 'Chat' });
  const contextPane = h('aside', { class: 'card context', 'aria-label': 'Shopper context', 'data-role': 'context' });
  root.append(h('div', { class: 'inbox' }, list, chatPane, contextPane));
  let current = ctx.args[0] || null;
  let chat = null;

  function open(conversationId) {
    current = conversationId;
    if (chat) chat.destroy();
    chat = null;
    if (!conversationId) {
      replace(chatPane, h('div', { class: 'empty' },
        h('p', { text: 'Choose a chat on the left, or start one from Live visitors.' })));
      replace(contextPane, h('p', { class: 'empty', text: 'The shopper\'s pages, cart and orders show here.' }));
    } else {
      chat = new ChatView(ctx, conversationId, chatPane, contextPane);
    }
    drawList();
  }

  function row(c) {
    const unread = live.unread.get(c.id) || 0;
    const waitFrom = c.queued_at || c.created_at;
    const sub = c.state === 'queued'
      ? `${REASONS[c.handoff_reason] || 'Waiting'} · waiting ${duration(Date.now() - waitFrom)}`
      : c.state === 'bot' ? 'With the bot'
        : c.agent === (live.me && live.me.id) ? 'You' : `With ${agentName(c.agent)}`;
    const prio = priorityLabel(c.priority);
    return h('li', null, h('a', {
      href: `#/inbox/${c.id}`,
      'data-conversation-id': c.id,
      'data-state': c.state,
      'aria-current': c.id === current ? 'true' : null,
    },
    h('span', { class: 'row-top' },
      h('span', { class: 'row-name', text: visitorName(live, c.visitor_id) }),
      prio ? h('span', { class: 'pill high', text: prio }) : null,
      unread ? h('span', { class: 'badge', 'data-role': 'unread', 'aria-label': `${unread} unread`, text: unread }) : null),
    h('span', { class: 'row-sub', text: sub }),
    c.tags.length ? h('span', { class: 'row-sub', text: c.tags.map((t) => '#' + t).join(' ') }) : null));
  }

  function agentName(id) {
    return id && live.me && id === live.me.id ? 'you' : 'another agent';
  }

  function group(title, role, items, emptyText) {
    return [
      h('h2', { id: `list-${role}`, text: `${title} (${items.length})` }),
      items.length
        ? h('ul', { 'data-role': role, 'aria-labelledby': `list-${role}` }, items.map(row))
        : h('p', { class: 'empty', 'data-role': role, text: emptyText }),
    ];
  }

  function drawList() {
    const site = ctx.site && ctx.site.id;
    const all = [...live.conversations.values()].filter((c) => c.site_id === site);
    const me = live.me && live.me.id;
    const queued = all.filter((c) => c.state === 'queued').sort(queueOrder);
    const mine = all.filter((c) => c.state === 'assigned' && c.agent === me).sort((a, b) => b.updated_at - a.updated_at);
    const bot = all.filter((c) => c.state === 'bot').sort((a, b) => b.updated_at - a.updated_at);
    const others = all.filter((c) => c.state === 'assigned' && c.agent !== me).sort((a, b) => b.updated_at - a.updated_at);
    // The rows are rebuilt (order, counts and wait times change together); a keyboard user on
    // one of them keeps their place on the same chat's new row.
    const active = document.activeElement;
    const focused = list.contains(active) ? active.getAttribute('data-conversation-id') : null;
    replace(list,
      group('Waiting', 'queue', queued, 'Nobody is waiting.'),
      group('My chats', 'mine', mine, 'No chats assigned to you.'),
      group('With the bot', 'bot-chats', bot, 'The bot has no chats.'),
      others.length ? group('Other agents', 'others', others, '') : null);
    if (focused) {
      const again = [...list.querySelectorAll('a[data-conversation-id]')]
        .find((a) => a.getAttribute('data-conversation-id') === focused);
      if (again) again.focus();
    }
  }

  const redraw = throttle(drawList, 200);
  const offs = [
    live.on('conversations', redraw),
    live.on('visitors', redraw),
    live.on('ready', () => { drawList(); if (chat) chat.reload(); }),
  ];
  // Wait times and unread counts change without frames; a slow tick keeps them honest.
  const tick = setInterval(drawList, 15000);
  open(current);

  return {
    update: (args) => { if ((args[0] || null) !== current) open(args[0] || null); },
    cleanup: () => {
      offs.forEach((off) => off());
      clearInterval(tick);
      if (chat) chat.destroy();
    },
  };
}
