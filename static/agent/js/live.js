// What is live on the agent's sites, as the agent socket tells it: visitors, open
// conversations, their messages, typing and read marks, other agents' presence. Views
// subscribe to topics and redraw; nothing here touches the DOM.

const MAX_MESSAGES_KEPT = 500;

export class Live {
  constructor() {
    this.me = null;            // AgentView from `ready`
    this.sites = [];           // [{id, name, role, capacity, skills}]: capacity and skills per site
    this.visitors = new Map(); // visitor_id → LiveVisitor
    this.conversations = new Map(); // conversation_id → Conversation header
    this.messages = new Map(); // conversation_id → [MessageOut | note], by time
    this.unread = new Map();   // conversation_id → count of shopper messages not yet seen
    this.countedSeq = new Map(); // conversation_id → highest shopper seq counted in `unread`
    this.typing = new Map();   // conversation_id → {author, until}
    this.presence = new Map(); // agent_id → status
    this.drafts = new Map();   // conversation_id → the latest automatic `draft` frame
    this.listeners = new Map();
    this.connection = 'connecting';
  }

  on(topic, fn) {
    if (!this.listeners.has(topic)) this.listeners.set(topic, new Set());
    this.listeners.get(topic).add(fn);
    return () => this.listeners.get(topic).delete(fn);
  }

  emit(topic, detail) {
    for (const fn of this.listeners.get(topic) || []) {
      try { fn(detail); } catch (e) { console.warn('listener failed', e); }
    }
  }

  /** Applies one server frame. */
  apply(frame) {
    switch (frame.type) {
      case 'ready': {
        this.me = frame.agent;
        this.sites = frame.sites;
        this.visitors = new Map(frame.visitors.map((v) => [v.visitor_id, v]));
        const before = this.conversations;
        this.conversations = new Map(frame.conversations.map((c) => [c.id, c]));
        // Transcripts may have moved on while we were away: drop the cached ones so the
        // views refetch them (the unread counts stay, they are ours).
        for (const id of before.keys()) if (!this.conversations.has(id)) { this.unread.delete(id); this.countedSeq.delete(id); this.drafts.delete(id); }
        this.messages.clear();
        this.emit('ready');
        this.emit('visitors');
        this.emit('conversations');
        break;
      }
      case 'visitor':
        if (frame.change === 'left') this.visitors.delete(frame.visitor.visitor_id);
        else this.visitors.set(frame.visitor.visitor_id, frame.visitor);
        this.emit('visitors', frame);
        break;
      case 'conversation': {
        const c = frame.conversation;
        if (c.state === 'closed') { this.conversations.delete(c.id); this.drafts.delete(c.id); }
        else this.conversations.set(c.id, c);
        this.emit('conversations', c);
        this.emit('conversation:' + c.id, c);
        break;
      }
      case 'message':
      case 'ack': {
        const m = frame.message;
        this.addEntry(m.conversation_id, { kind: 'message', ...m });
        const c = this.conversations.get(m.conversation_id);
        if (c && m.seq > c.last_seq) c.last_seq = m.seq;
        // A message may come twice (a retried one is published again): count it once. The
        // conversation's header may already carry its seq, so the count keeps its own mark.
        const counted = this.countedSeq.get(m.conversation_id) || 0;
        if (frame.type === 'message' && m.author.kind === 'shopper' && m.seq > counted) {
          this.countedSeq.set(m.conversation_id, m.seq);
          this.unread.set(m.conversation_id, (this.unread.get(m.conversation_id) || 0) + 1);
          this.typing.delete(m.conversation_id);
        }
        this.emit('messages:' + m.conversation_id, m);
        this.emit('conversations');
        break;
      }
      case 'note':
        this.addEntry(frame.note.conversation_id, { kind: 'note', ...frame.note });
        this.emit('messages:' + frame.note.conversation_id, frame.note);
        break;
      case 'typing':
        if (frame.conversation_id && frame.author.kind === 'shopper') {
          if (frame.active) this.typing.set(frame.conversation_id, { author: frame.author, until: Date.now() + 6000 });
          else this.typing.delete(frame.conversation_id);
          this.emit('typing:' + frame.conversation_id, frame);
        }
        break;
      case 'read': {
        const c = this.conversations.get(frame.conversation_id);
        if (c) {
          if (frame.by === 'shopper') c.shopper_read_seq = Math.max(c.shopper_read_seq, frame.seq);
          else c.agent_read_seq = Math.max(c.agent_read_seq, frame.seq);
        }
        this.emit('read:' + frame.conversation_id, frame);
        break;
      }
      case 'presence':
        this.presence.set(frame.agent_id, frame.status);
        this.emit('presence', frame);
        break;
      case 'routed':
        this.emit('routed', frame);
        break;
      case 'alert':
        this.emit('alert', frame);
        break;
      case 'draft':
        // An automatic draft for an open chat's reply box (kept, latest only, until the chat
        // closes, so a chat opened just after it came still gets it).
        this.drafts.set(frame.conversation_id, frame);
        this.emit('draft:' + frame.conversation_id, frame);
        break;
      default:
        break;
    }
  }

  /** Adds a message or note to a loaded transcript (a transcript not loaded yet stays unloaded). */
  addEntry(conversationId, entry) {
    const list = this.messages.get(conversationId);
    if (!list) return;
    if (entry.kind === 'message' && list.some((e) => e.kind === 'message' && e.seq === entry.seq)) return;
    if (entry.kind === 'note' && list.some((e) => e.kind === 'note' && e.id === entry.id)) return;
    list.push(entry);
    list.sort((a, b) => a.ts - b.ts || (a.seq || 0) - (b.seq || 0));
    if (list.length > MAX_MESSAGES_KEPT) list.splice(0, list.length - MAX_MESSAGES_KEPT);
  }

  /** Stores a transcript fetched over REST, merging anything that arrived meanwhile. */
  setTranscript(conversationId, entries) {
    const arrived = this.messages.get(conversationId) || [];
    this.messages.set(conversationId, entries.slice(-MAX_MESSAGES_KEPT));
    for (const e of arrived) this.addEntry(conversationId, e);
    this.emit('messages:' + conversationId);
  }

  siteName(siteId) {
    const s = this.sites.find((x) => x.id === siteId);
    return s ? s.name : siteId;
  }

  /** Open conversations assigned to me. */
  mine() {
    return [...this.conversations.values()].filter((c) => c.state === 'assigned' && this.me && c.agent === this.me.id);
  }
}
