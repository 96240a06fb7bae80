// Writing to the shopper (or an internal note): Enter sends, Shift+Enter breaks the line.
// Typing `/` opens the site's canned replies, searched by shortcut, title and text; the
// highlighted one is previewed with its variables filled in from this chat's context
// ({{ cart.total }}, {{ shopper.name }}…) and choosing it puts that text in the box, to edit
// or send. Suggested replies ranked against the shopper's last message sit one click away.
// A model draft (asked for, or automatic when the site turned that on) carries a token the
// message sent from it takes along, so the owners' report counts it (unchanged or edited);
// an automatic draft fills only an empty box and never replaces what the agent typed.
// Photos and files (the paper clip, paste, drop) go with the reply: see attach.js.

import { h, replace } from '../dom.js';
import { offered, translate, whyNot } from './translate.js';
import { AttachTray } from './attach.js';

const TYPING_REFRESH_MS = 3000;
const TYPING_IDLE_MS = 4000;
const MAX_MENU = 8;

export class Composer {
  constructor(ctx, conversationId, header) {
    this.ctx = ctx;
    this.id = conversationId;
    this.header = header;
    this.mode = 'reply';
    this.canned = null;       // the site's canned replies, loaded on first `/`
    this.menuItems = [];
    this.selected = 0;
    this.typingSentAt = 0;
    this.idleTimer = null;
    this.previewSeq = 0;
    this.pending = { text: null, id: null }; // the message being sent and its idempotency key
    this.draftState = null; // the model draft in the box: { token, text, forSeq, auto }
    this.shopperSeq = 0;    // the shopper's latest message seen: older automatic drafts are stale

    this.attach = new AttachTray(ctx, conversationId);
    this.input = h('textarea', { 'data-role': 'composer', 'aria-label': 'Reply to the shopper', rows: 2, maxlength: 4000,
      placeholder: 'Reply… (type / for canned replies)',
      oninput: () => this.onInput(), onkeydown: (ev) => this.onKey(ev),
      onpaste: (ev) => { if (this.mode === 'reply' && this.attach.takeTransfer(ev.clipboardData)) ev.preventDefault(); } });
    this.menu = h('ul', { class: 'canned-menu', role: 'listbox', 'data-role': 'canned-menu', hidden: true, 'aria-label': 'Canned replies' });
    this.preview = h('div', { class: 'preview', 'data-role': 'canned-preview', hidden: true, 'aria-live': 'polite' });
    this.suggestions = h('div', { class: 'suggestions', 'data-role': 'suggestions', 'aria-label': 'Suggested replies' });
    this.sendButton = h('button', { type: 'submit', class: 'primary', 'data-role': 'send', text: 'Send' });
    this.replyTab = h('button', { type: 'button', 'data-mode': 'reply', 'aria-pressed': 'true', text: 'Reply', onclick: () => this.setMode('reply') });
    this.noteTab = h('button', { type: 'button', 'data-mode': 'note', 'data-role': 'note-mode', 'aria-pressed': 'false', text: 'Internal note', onclick: () => this.setMode('note') });
    this.error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    // "Draft reply": the server's draft (the language model's, grounded in this chat, or
    // the best suggestion when the model is off or failing) goes into the box, never sent.
    this.draftButton = h('button', { type: 'button', 'data-role': 'draft', text: 'Draft reply', onclick: () => this.draft() });
    // "Translate": the reply in the box into the shopper's language, for the agent to check.
    this.shopperLanguage = null;
    this.translateButton = h('button', { type: 'button', 'data-role': 'translate-reply', hidden: true, onclick: () => this.translateReply() });
    this.draftNote = h('p', { class: 'draft-note muted', 'data-role': 'draft-note', hidden: true, 'aria-live': 'polite' });
    const dropping = (ev) => this.mode === 'reply' && ev.dataTransfer && [...ev.dataTransfer.types].includes('Files');
    this.node = h('form', { class: 'composer', 'data-role': 'composer-form', onsubmit: (ev) => { ev.preventDefault(); this.send(); },
      ondragover: (ev) => { if (dropping(ev)) { ev.preventDefault(); this.node.classList.add('dropping'); } },
      ondragleave: (ev) => { if (!this.node.contains(ev.relatedTarget)) this.node.classList.remove('dropping'); },
      ondrop: (ev) => { this.node.classList.remove('dropping'); if (dropping(ev) && this.attach.takeTransfer(ev.dataTransfer)) ev.preventDefault(); } },
      this.menu,
      this.suggestions,
      h('div', { class: 'composer-modes' }, this.replyTab, this.noteTab, this.draftButton, this.translateButton),
      this.draftNote,
      this.preview,
      this.attach.list,
      h('div', { class: 'composer-row' }, this.attach.button, this.attach.picker, this.input, this.sendButton),
      this.attach.note,
      this.error);
  }

  setEnabled(enabled) {
    this.input.disabled = !enabled;
    this.sendButton.disabled = !enabled;
    this.attach.setEnabled(enabled);
    if (!enabled) this.input.placeholder = 'This chat is closed.';
  }

  setMode(mode) {
    this.mode = mode;
    this.node.classList.toggle('note', mode === 'note');
    this.replyTab.setAttribute('aria-pressed', String(mode === 'reply'));
    this.noteTab.setAttribute('aria-pressed', String(mode === 'note'));
    this.input.setAttribute('aria-label', mode === 'note' ? 'Internal note (the shopper never sees it)' : 'Reply to the shopper');
    this.input.placeholder = mode === 'note' ? 'Internal note — only agents see this' : 'Reply… (type / for canned replies)';
    this.attach.button.hidden = mode === 'note'; // notes stay text: files go to the shopper
    this.input.focus();
  }

  /** Refreshes the suggested replies (on open and after each shopper message). */
  async suggest() {
    try {
      const s = await this.ctx.api.get(`/sites/${this.ctx.site.id}/conversations/${this.id}/suggestions`);
      replace(this.suggestions, (s.suggestions || []).map((item) =>
        h('button', { type: 'button', 'data-role': 'suggestion', 'data-kind': item.kind, title: item.text,
          text: item.kind === 'canned' ? `${item.shortcut || ''} ${item.title || ''}`.trim() : `KB: ${item.title}`,
          onclick: () => { this.input.value = item.text; this.draftState = null; this.input.focus(); this.showPreview(null); } })));
    } catch {
      replace(this.suggestions);
    }
  }

  /** The shopper's browser language (from the context panel): offers translation when it
   *  differs from the agent's and the server has a model. */
  setShopperLanguage(language) {
    this.shopperLanguage = language || null;
    this.translateButton.hidden = !offered(this.ctx, this.shopperLanguage);
    this.translateButton.textContent = `Translate to ${this.shopperLanguage}`;
  }

  /** Replaces the reply in the box by its translation into the shopper's language (never
   *  sent here); the note says so and offers the original back. */
  async translateReply() {
    const original = this.input.value.trim();
    this.draftNote.hidden = false;
    if (!original) {
      replace(this.draftNote, 'Write the reply first, then translate it.');
      return;
    }
    this.translateButton.disabled = true;
    replace(this.draftNote, 'Translating…');
    try {
      const t = await translate(this.ctx, this.id, { text: original, to: 'shopper' });
      if (!t.text) {
        replace(this.draftNote, `No translation: ${whyNot(t.fallback)}.`);
        return;
      }
      this.input.value = t.text;
      this.input.focus();
      replace(this.draftNote, `AI translation into ${t.to} — check it before sending. `,
        h('button', { type: 'button', class: 'link', 'data-role': 'undo-translation', text: 'Back to my text',
          onclick: () => { this.input.value = original; this.draftNote.hidden = true; this.input.focus(); } }));
    } catch (e) {
      replace(this.draftNote, 'No translation: ' + (e.message || 'the server did not answer'));
    } finally {
      this.translateButton.disabled = false;
    }
  }

  /** Asks for a draft and puts it in the box for the agent to edit; says what it rests on. */
  async draft() {
    this.draftButton.disabled = true;
    this.draftNote.hidden = false;
    this.draftNote.textContent = 'Drafting…';
    try {
      const d = await this.ctx.api.post(`/sites/${this.ctx.site.id}/conversations/${this.id}/draft`);
      if (d.text) {
        this.setMode('reply');
        this.input.value = d.text;
        this.input.focus();
        this.draftState = d.draft_token ? { token: d.draft_token, text: d.text, forSeq: this.shopperSeq, auto: false } : null;
      }
      this.draftNote.textContent = draftNote(d);
    } catch (e) {
      this.draftNote.textContent = 'No draft: ' + (e.message || 'the server did not answer');
    } finally {
      this.draftButton.disabled = false;
    }
  }

  /**
   * An automatic draft (`draft` frame) for the shopper's message `for_seq`: into the box only
   * when the box is empty or still holds an earlier automatic draft untouched; a draft for a
   * message older than the latest is dropped. Never sent without the agent.
   */
  autoDraft(f) {
    const current = this.draftState;
    if (f.for_seq < this.shopperSeq || this.mode !== 'reply' || this.input.disabled) return;
    if (current && current.auto && f.for_seq <= current.forSeq) return;
    const untouched = current && current.auto && this.input.value === current.text;
    this.draftNote.hidden = false;
    if (this.input.value.trim() !== '' && !untouched) {
      // The agent's own text stays; the draft waits behind a button.
      replace(this.draftNote, 'An automatic AI draft is ready; your text was kept. ',
        h('button', { type: 'button', class: 'link', 'data-role': 'use-draft', text: 'Use the draft instead',
          onclick: () => { this.draftState = null; this.input.value = ''; this.autoDraft(f); this.input.focus(); } }));
      return;
    }
    this.input.value = f.text;
    this.draftState = { token: f.draft_token, text: f.text, forSeq: f.for_seq, auto: true };
    this.draftNote.textContent = 'Automatic ' + draftNote({ ...f, source: 'model' });
  }

  /** The shopper wrote again: an automatic draft still untouched in the box answered an older message, so it goes. */
  shopperWrote(seq) {
    this.shopperSeq = Math.max(this.shopperSeq, seq);
    const current = this.draftState;
    if (current && current.auto && current.forSeq < seq && this.input.value === current.text) {
      this.input.value = '';
      this.draftState = null;
      this.draftNote.textContent = 'The shopper wrote again: the earlier draft was taken out.';
    }
  }

  onInput() {
    this.error.hidden = true;
    // Emptied: whatever is typed now is the agent's own, not the draft edited.
    if (!this.input.value.trim()) this.draftState = null;
    if (this.mode === 'reply') this.typing(true);
    const m = /(^|\s)\/(\S*)$/.exec(this.input.value);
    if (m && this.mode === 'reply') this.openMenu(m[2]);
    else this.closeMenu();
  }

  /** Tells the shopper the agent is typing, at most every few seconds, and when it stopped. */
  typing(active) {
    const now = Date.now();
    clearTimeout(this.idleTimer);
    if (active) {
      if (now - this.typingSentAt > TYPING_REFRESH_MS) {
        this.typingSentAt = now;
        this.ctx.socket.fire({ type: 'typing', conversation_id: this.id, active: true });
      }
      this.idleTimer = setTimeout(() => this.typing(false), TYPING_IDLE_MS);
    } else if (this.typingSentAt) {
      this.typingSentAt = 0;
      this.ctx.socket.fire({ type: 'typing', conversation_id: this.id, active: false });
    }
  }

  async openMenu(q) {
    if (!this.canned) {
      try {
        this.canned = (await this.ctx.api.get(`/sites/${this.ctx.site.id}/canned-replies`)).canned_replies || [];
      } catch (e) {
        this.canned = [];
      }
    }
    const needle = q.toLowerCase();
    const score = (c) => {
      const shortcut = c.shortcut.replace(/^\//, '').toLowerCase();
      if (shortcut.startsWith(needle)) return 0;
      if (shortcut.includes(needle) || (c.title || '').toLowerCase().includes(needle)) return 1;
      if (c.body.toLowerCase().includes(needle)) return 2;
      return 9;
    };
    this.menuItems = this.canned.map((c) => [score(c), c]).filter(([s]) => s < 9)
      .sort((a, b) => a[0] - b[0]).slice(0, MAX_MENU).map(([, c]) => c);
    this.selected = 0;
    this.drawMenu();
  }

  drawMenu() {
    if (!this.menuItems.length) {
      replace(this.menu, h('li', { class: 'muted', text: this.canned && this.canned.length ? 'No canned reply matches.' : 'No canned replies yet — owners add them under Canned replies.' }));
      this.menu.hidden = false;
      this.showPreview(null);
      return;
    }
    replace(this.menu, this.menuItems.map((c, i) => h('li', {
      role: 'option', id: `canned-${c.id}`, 'data-canned-id': c.id, 'aria-selected': String(i === this.selected),
      onmousedown: (ev) => { ev.preventDefault(); this.selected = i; this.choose(); },
    }, h('span', { class: 'shortcut', text: c.shortcut }), h('span', { text: c.title || c.body.slice(0, 80) }))));
    this.menu.hidden = false;
    this.input.setAttribute('aria-activedescendant', `canned-${this.menuItems[this.selected].id}`);
    this.previewCanned(this.menuItems[this.selected]);
  }

  closeMenu() {
    this.menu.hidden = true;
    this.menuItems = [];
    this.input.removeAttribute('aria-activedescendant');
    this.showPreview(null);
  }

  async render(canned) {
    const r = await this.ctx.api.post(`/sites/${this.ctx.site.id}/conversations/${this.id}/canned-replies/${canned.id}/preview`, {});
    return r.text;
  }

  async previewCanned(canned) {
    const seq = ++this.previewSeq;
    try {
      const text = await this.render(canned);
      if (seq === this.previewSeq && !this.menu.hidden) this.showPreview(text);
    } catch (e) {
      if (seq === this.previewSeq) this.showPreview(`Cannot fill this reply in: ${e.message}`);
    }
  }

  showPreview(text) {
    this.preview.hidden = text === null;
    this.preview.textContent = text || '';
  }

  async choose() {
    const canned = this.menuItems[this.selected];
    if (!canned) return;
    try {
      const text = await this.render(canned);
      this.input.value = this.input.value.replace(/(^|\s)\/\S*$/, (m, space) => space + text);
      this.closeMenu();
      this.input.focus();
    } catch (e) {
      this.error.textContent = `Cannot fill this reply in: ${e.message}`;
      this.error.hidden = false;
    }
  }

  onKey(ev) {
    if (!this.menu.hidden && this.menuItems.length) {
      if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
        ev.preventDefault();
        const n = this.menuItems.length;
        this.selected = (this.selected + (ev.key === 'ArrowDown' ? 1 : n - 1)) % n;
        this.drawMenu();
        return;
      }
      if (ev.key === 'Enter' || ev.key === 'Tab') {
        ev.preventDefault();
        this.choose();
        return;
      }
    }
    if (ev.key === 'Escape' && !this.menu.hidden) {
      ev.preventDefault();
      this.closeMenu();
      return;
    }
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      this.send();
    }
  }

  async send() {
    const text = this.input.value.trim();
    const files = this.mode === 'reply' ? this.attach.ready() : [];
    if (files === null || (!text && !files.length)) return;
    this.sendButton.disabled = true;
    try {
      if (this.mode === 'note') {
        await this.ctx.socket.send({ type: 'note', conversation_id: this.id, text });
      } else {
        this.typing(false);
        // A retry of the same reply after a lost answer reuses its id, so the server
        // stores it once even if the first attempt did arrive.
        const key = [text, ...files].join('\n');
        if (this.pending.text !== key) this.pending = { text: key, id: crypto.randomUUID() };
        const frame = { type: 'message', conversation_id: this.id, client_msg_id: this.pending.id, text };
        if (files.length) frame.attachments = files;
        if (this.draftState && this.draftState.token) frame.draft_token = this.draftState.token;
        await this.ctx.socket.send(frame);
        this.attach.clear();
        this.pending = { text: null, id: null };
        this.draftState = null;
        this.draftNote.hidden = true;
      }
      this.input.value = '';
      this.closeMenu();
    } catch (e) {
      // The text stays in the box: nothing typed is lost when the server refused it or the
      // connection dropped.
      this.error.textContent = e.message;
      this.error.hidden = false;
    } finally {
      this.sendButton.disabled = false;
      this.input.focus();
    }
  }

  destroy() {
    this.typing(false);
    clearTimeout(this.idleTimer);
  }
}

/** What a draft rests on, in words: its articles and orders, or why it is the suggestion. */
function draftNote(d) {
  const used = [
    ...(d.articles || []).map((a) => `article “${a.title}”`),
    ...(d.orders || []).map((n) => `order #${n}`),
  ];
  if (d.source === 'model') {
    return `AI draft — check it before sending. Used: ${used.length ? used.join(', ') : 'the conversation only'}.`;
  }
  const why = {
    ai_off: 'no language model is set up', busy: 'the model is busy', over_budget: "today's AI budget is spent",
    timeout: 'the model was too slow', status: 'the model failed', unreachable: 'the model is unreachable',
    malformed: 'the model gave no usable draft', invented_order: 'the model named an order the shop does not have',
    no_message: 'the shopper has not written yet',
  }[d.fallback] || d.fallback;
  return d.source === 'suggestion' ? `Best suggestion (${why}).` : `Nothing to draft (${why}).`;
}
