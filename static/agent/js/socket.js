// The agent socket: authenticates with the session token in `Sec-WebSocket-Protocol` (never
// in the URL, where proxies log it), reconnects by itself with backoff and jitter after a
// server restart, and turns `ref`-tagged commands into promises. Every (re)connection ends in
// a `ready` frame with the whole live state, which is how the dashboard refetches what it
// missed while disconnected.

const PROTOCOL = 'shopchat.agent.v1';
const COMMAND_TIMEOUT_MS = 15000;

export class AgentSocket {
  constructor(token, { onFrame, onState, onRejected }) {
    this.token = token;
    this.onFrame = onFrame;
    this.onState = onState;
    this.onRejected = onRejected;
    this.pending = new Map();
    this.nextRef = 1;
    this.attempt = 0;
    this.stopped = false;
    this.ws = null;
    this.connect();
  }

  connect() {
    if (this.stopped) return;
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${scheme}//${location.host}/ws/agent`, [PROTOCOL, `bearer.${this.token}`]);
    this.ws = ws;
    this.onState('connecting');
    ws.onmessage = (event) => {
      let frame;
      try { frame = JSON.parse(event.data); } catch { return; }
      if (frame.type === 'ready') {
        this.attempt = 0;
        this.onState('open');
      }
      this.settle(frame);
      this.onFrame(frame);
    };
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      for (const [, p] of this.pending) p.reject(new Error('disconnected'));
      this.pending.clear();
      if (this.stopped) return;
      // 1008: the server refused the token (expired, revoked): log in again, do not retry.
      if (event.code === 1008 || event.code === 4401) {
        this.onState('closed');
        this.onRejected();
        return;
      }
      this.onState('reconnecting');
      const delay = Math.min(15000, 500 * 2 ** this.attempt) * (0.5 + Math.random() * 0.5);
      this.attempt += 1;
      this.timer = setTimeout(() => this.connect(), delay);
    };
  }

  settle(frame) {
    const ref = frame.ref;
    if (!ref || !this.pending.has(ref)) return;
    const p = this.pending.get(ref);
    if (frame.type === 'error') {
      this.pending.delete(ref);
      const error = new Error(frame.message || frame.code);
      error.code = frame.code;
      error.field = frame.field;
      p.reject(error);
    } else if (frame.type === 'ok' || frame.type === 'ack') {
      this.pending.delete(ref);
      p.resolve(frame);
    }
  }

  /** Sends a command; resolves with its `ok`/`ack`, rejects with its `error`. */
  send(command) {
    return new Promise((resolve, reject) => {
      if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
        reject(new Error('Not connected; reconnecting…'));
        return;
      }
      const ref = String(this.nextRef++);
      this.pending.set(ref, { resolve, reject });
      this.ws.send(JSON.stringify({ ...command, ref }));
      setTimeout(() => {
        if (this.pending.delete(ref)) reject(new Error('No answer from the server'));
      }, COMMAND_TIMEOUT_MS);
    });
  }

  /** Sends without waiting for an answer (typing, read marks). */
  fire(command) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(command));
  }

  /** Closes for good (logout). */
  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.ws) this.ws.close(1000, 'logout');
  }
}
