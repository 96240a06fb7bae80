// One conversation: header with its state and the actions an agent has (take over, transfer,
// close, tags), the transcript with author kinds, internal notes and read marks, the typing
// line, and the composer. The context panel beside it belongs to the same chat.

import { h, keep, replace, setText, time } from '../dom.js';
import { REASONS, STAGES, visitorName } from './labels.js';
import { Composer } from './composer.js';
import { ContextPanel } from './context.js';
import { lineTranslation, offered } from './translate.js';
import { attachmentList } from './attach.js';

export class ChatView {
  constructor(ctx, conversationId, pane, contextPane) {
    this.ctx = ctx;
    this.live = ctx.live;
    this.id = conversationId;
    this.pane = pane;
    this.header = null;     // the conversation header (live map, else from the transcript)
    this.emails = new Map(); // message id → how it arrived by email (sender, original text)
    this.agents = [];       // the site's agents, for names and transfers
    this.head = h('div', { class: 'chat-head' });
    this.tags = h('div', { class: 'tags', 'data-role': 'tags' });
    // The header's parts are made once and updated in place: live frames arrive all the
    // time, and rebuilding would throw away a half-typed tag and the keyboard focus.
    this.title = h('h2', { 'data-role': 'chat-title' });
    this.statePill = h('span', { class: 'pill', 'data-role': 'chat-state' });
    this.reasonPill = h('span', { class: 'pill' });
    this.emailPill = h('span', { class: 'pill', title: 'Left while nobody was online' });
    this.bouncedPill = h('span', { class: 'pill bounced', 'data-role': 'email-bounced' });
    this.undeliverable = null; // the contact address bounced: email does not reach the shopper
    this.takeButton = h('button', { type: 'button', class: 'primary', 'data-role': 'take', onclick: () => this.command({ type: 'take' }, 'Taken') });
    this.transferButton = h('button', { type: 'button', 'data-role': 'transfer', text: 'Transfer', onclick: () => this.transferDialog() });
    this.closeButton = h('button', { type: 'button', class: 'danger', 'data-role': 'close', text: 'Close', onclick: () => this.command({ type: 'close' }, 'Closed') });
    this.actions = h('span', { class: 'actions' });
    this.tagChips = new Map(); // tag → its chip, kept while the tag stays (its × may have focus)
    this.tagInput = h('input', { type: 'text', 'aria-label': 'Add a tag', placeholder: '+ tag', maxlength: 40, 'data-role': 'add-tag',
      onkeydown: (ev) => this.onTagKey(ev) });
    // `following`: the agent is at the newest line, so what grows below (a message, an image
    // that finished loading) keeps it there; scrolled up to read, it stays put.
    this.following = true;
    this.transcript = h('div', { class: 'transcript', 'data-role': 'transcript', role: 'log', 'aria-live': 'polite', tabindex: '0',
      onscroll: () => { this.following = this.nearBottom(); } });
    this.typingLine = h('div', { class: 'typing-line', 'data-role': 'shopper-typing' });
    // For the agent taking a chat over from the bot: the model's summary, intent and tone
    // (shown only when the server has a model and its answer passed the checks).
    this.summaryBox = h('div', { class: 'ai-summary', 'data-role': 'ai-summary', hidden: true, 'aria-live': 'polite' });
    this.summarized = false;
    this.translations = new Map(); // seq → a shopper line's translation (or its state)
    // message id → its attachments' node, kept across redraws so thumbnails do not reload
    this.fileNodes = new Map();
    this.composer = new Composer(ctx, conversationId, () => this.header);
    replace(pane, this.head, this.tags, this.summaryBox, this.transcript, this.typingLine, this.composer.node);
    this.context = new ContextPanel(ctx, contextPane, (v) => {
      const before = offered(ctx, this.visitor && this.visitor.language);
      this.visitor = v;
      this.composer.setShopperLanguage(v && v.language);
      this.drawHead();
      if (offered(ctx, v && v.language) !== before) this.drawTranscript();
    });
    this.offs = [
      this.live.on('conversation:' + conversationId, (c) => {
        this.header = c;
        this.drawHead();
        this.drawTranscript();
        // Handed over while this view is open: the summary is asked for now (once).
        if (c.handoff_reason && c.state !== 'closed') this.summarize();
      }),
      this.live.on('messages:' + conversationId, (m) => this.onMessage(m)),
      // The model's automatic draft for the shopper's latest message (the site turned it on).
      this.live.on('draft:' + conversationId, (f) => this.composer.autoDraft(f)),
      this.live.on('typing:' + conversationId, () => this.drawTyping()),
      this.live.on('read:' + conversationId, () => this.drawTranscript()),
      // Only this chat's shopper matters here (a name from `identify`); `ready` has no frame.
      this.live.on('visitors', (frame) => {
        if (!frame || (this.header && frame.visitor && frame.visitor.visitor_id === this.header.visitor_id)) this.drawHead();
      }),
    ];
    this.typingTimer = setInterval(() => this.drawTyping(), 2000);
    this.reload();
    ctx.api.get(`/sites/${ctx.site.id}/agents`).then((a) => { this.agents = a.agents || []; this.drawHead(); }).catch(() => {});
  }

  /** Fetches the transcript (on open, and after a reconnect, to fill what was missed). */
  async reload() {
    try {
      const t = await this.ctx.api.get(`/sites/${this.ctx.site.id}/conversations/${this.id}/transcript`);
      this.header = this.live.conversations.get(this.id) || t.conversation;
      this.live.setTranscript(this.id, t.entries);
      // The shopper's latest line, so a draft for an older one is not offered; then the
      // automatic draft that came before this chat was opened, if it is still current.
      const shopperSeqs = (t.entries || []).filter((e) => e.author && e.author.kind === 'shopper').map((e) => e.seq || 0);
      this.composer.shopperWrote(Math.max(0, ...shopperSeqs));
      const waiting = this.live.drafts.get(this.id);
      if (waiting) this.composer.autoDraft(waiting);
      this.context.show(this.header);
      this.composer.suggest();
      if (this.header && this.header.handoff_reason && this.header.state !== 'closed') this.summarize();
      this.drawHead();
      this.drawTranscript();
      this.markRead();
      this.loadEmails();
    } catch (e) {
      replace(this.transcript, h('p', { class: 'error', role: 'alert', text: e.status === 404 ? 'This conversation does not exist on this shop.' : `Could not load the chat: ${e.message}` }));
    }
  }

  /** Asks once for the handoff summary and shows it above the transcript. */
  async summarize() {
    if (this.summarized) return;
    this.summarized = true;
    try {
      const s = await this.ctx.api.post(`/sites/${this.ctx.site.id}/conversations/${this.id}/summary`);
      if (!s.text) return;
      const facts = [`Intent: ${(s.intent || 'other').replace(/_/g, ' ')}`, `Tone: ${s.tone || 'calm'}`,
        ...(s.orders || []).map((n) => `Order #${n}`)];
      replace(this.summaryBox,
        h('strong', { text: 'AI summary ' }), h('span', { 'data-role': 'ai-summary-text', text: s.text }),
        h('div', { class: 'muted', 'data-role': 'ai-summary-facts', text: facts.join(' · ') }));
      this.summaryBox.hidden = false;
    } catch (e) { /* the chat stands without it */ }
  }

  /** The shopper's messages that came by email: who sent each and its whole original text. */
  async loadEmails() {
    try {
      const body = await this.ctx.api.get(`/sites/${this.ctx.site.id}/conversations/${this.id}/emails`);
      this.emails = new Map((body.emails || []).map((r) => [r.message_id, r]));
      this.undeliverable = body.undeliverable || null;
      this.drawHead();
      this.drawTranscript();
    } catch (e) { /* the transcript stands without the email details */ }
  }

  onMessage(m) {
    // A shopper's line this view has not seen may have come by email, and a note may say the
    // contact address bounced: fetch how.
    const fromShopper = m && m.author && m.author.kind === 'shopper' && !this.emails.has(m.id);
    if (fromShopper || (m && m.author_name)) this.loadEmails();
    this.drawTranscript();
    if (document.visibilityState === 'visible') this.markRead();
    if (m && m.author && m.author.kind === 'shopper') {
      this.composer.shopperWrote(m.seq || 0);
      this.composer.suggest();
    }
  }

  /** Tells the server (and so the shopper) how far the agent has read, and clears the badge. */
  markRead() {
    const entries = this.live.messages.get(this.id) || [];
    const last = entries.filter((e) => e.kind === 'message').reduce((n, e) => Math.max(n, e.seq), 0);
    this.live.unread.delete(this.id);
    this.live.emit('conversations');
    const isMine = this.header && this.header.state === 'assigned' && this.live.me && this.header.agent === this.live.me.id;
    if (last > 0 && isMine && (this.header.agent_read_seq || 0) < last) {
      this.ctx.socket.fire({ type: 'read', conversation_id: this.id, seq: last });
      this.header.agent_read_seq = last;
    }
  }

  agentName(id) {
    if (this.live.me && id === this.live.me.id) return 'you';
    const a = this.agents.find((x) => x.id === id);
    return a ? a.display_name : 'another agent';
  }

  /** Updates the header in place (see the constructor): nothing that stays is rebuilt. */
  drawHead() {
    const c = this.header;
    if (!c) return;
    const mine = c.state === 'assigned' && this.live.me && c.agent === this.live.me.id;
    const open = c.state !== 'closed';
    const status = c.state === 'assigned' ? `Assigned to ${this.agentName(c.agent)}` : STAGES[c.state];
    setText(this.title, (this.visitor && this.visitor.attributes && this.visitor.attributes.name) || visitorName(this.live, c.visitor_id));
    setText(this.statePill, status);
    this.statePill.setAttribute('class', `pill ${c.state}`);
    const reason = c.handoff_reason && c.state === 'queued';
    if (reason) setText(this.reasonPill, REASONS[c.handoff_reason]);
    if (c.contact_email) setText(this.emailPill, `Email: ${c.contact_email}`);
    const bounced = this.undeliverable && c.contact_email && this.undeliverable.email === c.contact_email;
    if (bounced) {
      setText(this.bouncedPill, 'Email bounced: answers do not reach them by email');
      this.bouncedPill.title = this.undeliverable.detail || '';
    }
    setText(this.takeButton, c.state === 'bot' ? 'Take over from the bot' : 'Take');
    keep(this.actions,
      open && !mine ? this.takeButton : null,
      open ? this.transferButton : null,
      open ? this.closeButton : null);
    keep(this.head, this.title, this.statePill, reason ? this.reasonPill : null, c.contact_email ? this.emailPill : null, bounced ? this.bouncedPill : null, this.actions);
    this.drawTags();
    this.composer.setEnabled(open);
  }

  /** The tag chips, one kept per tag, then the (one, never rebuilt) input for a new tag. */
  drawTags() {
    const c = this.header;
    const open = c.state !== 'closed';
    const chips = c.tags.map((t) => {
      const key = `${open}|${t}`;
      if (!this.tagChips.has(key)) {
        this.tagChips.set(key, h('span', { class: 'tag', 'data-tag': t }, t,
          open ? h('button', { type: 'button', 'aria-label': `Remove tag ${t}`, text: '×', onclick: () => this.command({ type: 'tag', tag: t, remove: true }) }) : null));
      }
      return this.tagChips.get(key);
    });
    const shown = new Set(chips);
    for (const [key, chip] of this.tagChips) if (!shown.has(chip)) this.tagChips.delete(key);
    keep(this.tags, chips, open ? this.tagInput : null);
  }

  async onTagKey(ev) {
    const tag = this.tagInput.value.trim();
    if (ev.key !== 'Enter' || !tag) return;
    ev.preventDefault();
    // The input is no longer rebuilt by the answer: empty it once the tag is on, unless the
    // agent has typed on meanwhile (and keep the text when the server refused it).
    if (await this.command({ type: 'tag', tag }) && this.tagInput.value.trim() === tag) this.tagInput.value = '';
  }

  drawTranscript() {
    const entries = this.live.messages.get(this.id);
    if (!entries) return;
    const atBottom = this.following;
    const readUpTo = (this.header && this.header.shopper_read_seq) || 0;
    replace(this.transcript, entries.length ? entries.map((e) => this.entry(e, readUpTo)) : h('p', { class: 'empty', text: 'No messages yet.' }));
    if (atBottom || this.firstDraw !== false) this.transcript.scrollTop = this.transcript.scrollHeight;
    this.firstDraw = false;
  }

  entry(e, readUpTo) {
    if (e.kind === 'note') {
      return h('div', { class: 'msg', 'data-kind': 'note', 'data-role': 'note' },
        h('span', { class: 'who' }, `Internal note · ${e.author_name}`, h('span', { class: 'when', text: time(e.ts) })),
        h('span', { class: 'text', text: e.text }));
    }
    const kind = e.author.kind;
    const who = kind === 'bot' ? `${e.author.name} · Bot` : kind === 'system' ? '' : e.author.name;
    const read = kind !== 'shopper' && kind !== 'system' && e.seq <= readUpTo;
    const email = this.emails.get(e.id);
    return h('div', { class: 'msg', 'data-kind': kind, 'data-seq': e.seq, 'data-via': email ? 'email' : null },
      who ? h('span', { class: 'who' }, who, email ? h('span', { class: 'via', 'data-role': 'via-email', text: ` · by email from ${email.from}` }) : null, h('span', { class: 'when', text: time(e.ts) })) : null,
      email && email.other_sender ? h('span', { class: 'flag', 'data-role': 'other-sender', role: 'note', text: `Sent from ${email.from}, not the contact address: check it is the shopper before sharing order details.` }) : null,
      e.attachments && e.attachments.length ? this.files(e) : null,
      e.text ? h('span', { class: 'text', text: e.text }) : null,
      kind === 'shopper' && offered(this.ctx, this.visitor && this.visitor.language)
        ? lineTranslation(this.ctx, this.id, e.seq, this.translations, () => this.drawTranscript()) : null,
      email ? h('details', { class: 'original', 'data-role': 'email-original' }, h('summary', { text: 'Show the whole email' }), h('pre', { text: email.original })) : null,
      read ? h('span', { class: 'read-mark', 'data-role': 'read-mark', title: 'Read by the shopper', text: '✓ Read' }) : null);
  }

  nearBottom() {
    return this.transcript.scrollHeight - this.transcript.scrollTop - this.transcript.clientHeight < 40;
  }

  /** The message's attachments (made once per message: a redraw keeps the loaded images). */
  files(e) {
    if (!this.fileNodes.has(e.id)) {
      const node = attachmentList(e.attachments);
      node.querySelectorAll('img').forEach((img) => img.addEventListener('load', () => {
        if (this.following) this.transcript.scrollTop = this.transcript.scrollHeight;
      }));
      this.fileNodes.set(e.id, node);
    }
    return this.fileNodes.get(e.id);
  }

  drawTyping() {
    const t = this.live.typing.get(this.id);
    const active = t && t.until > Date.now();
    this.typingLine.textContent = active ? `${visitorName(this.live, this.header ? this.header.visitor_id : '')} is typing…` : '';
  }

  /** Sends a command for this chat; true when the server accepted it (else a toast says why). */
  async command(cmd, done) {
    try {
      await this.ctx.socket.send({ ...cmd, conversation_id: this.id });
      if (done) this.ctx.toast(done);
      return true;
    } catch (e) {
      this.ctx.toast(e.message, 'error');
      return false;
    }
  }

  transferDialog() {
    const select = h('select', { name: 'to', 'aria-label': 'Transfer to' },
      h('option', { value: 'queue:', text: 'Back to the queue' }),
      this.agents.filter((a) => !this.live.me || a.id !== this.live.me.id).map((a) =>
        h('option', { value: `agent:${a.id}`, text: `${a.display_name} (${a.status || 'offline'})` })),
      [...new Set(this.agents.flatMap((a) => a.skills || []))].map((s) => h('option', { value: `team:${s}`, text: `Team: ${s}` })));
    const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const dialog = h('dialog', { 'data-role': 'transfer-dialog', 'aria-label': 'Transfer chat' },
      h('form', { method: 'dialog', onsubmit: async (ev) => {
        ev.preventDefault();
        const [kind, target] = select.value.split(/:(.*)/s);
        const cmd = { type: 'transfer' };
        if (kind === 'agent') cmd.to_agent = target;
        if (kind === 'team') cmd.to_team = target;
        try {
          await this.ctx.socket.send({ ...cmd, conversation_id: this.id });
          dialog.close();
          this.ctx.toast('Transferred');
        } catch (e) {
          error.textContent = e.message;
          error.hidden = false;
        }
      } },
      h('h2', { text: 'Transfer this chat' }),
      h('label', { class: 'field' }, h('span', { class: 'field-label', text: 'To' }), select),
      error,
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'primary', text: 'Transfer' }),
        h('button', { type: 'button', text: 'Cancel', onclick: () => dialog.close() }))));
    dialog.addEventListener('close', () => dialog.remove());
    document.body.append(dialog);
    dialog.showModal();
  }

  destroy() {
    this.offs.forEach((off) => off());
    clearInterval(this.typingTimer);
    this.composer.destroy();
    this.context.destroy();
  }
}
