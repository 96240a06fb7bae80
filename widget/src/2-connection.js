/* shopchat widget, part 2 of 6: the connection — one rate-limited queue for every frame we
 * send, the socket with its reconnect rules, one handler per incoming frame type, read marks.
 */

// ---- Outgoing frames ----
// Every frame goes through one queue, drained at ≤ 10/s (the server allows ~20). While
// offline the queue keeps the latest 200.

const outgoing = { queue: [], tokens: 10, tokensAt: Date.now(), flushTimer: 0 };

function send(frame) {
  if (!privacy.chatting && !/^(event|read|typing)$/.test(frame.type)) startChatting();
  if (outgoing.queue.push(frame) > 200) outgoing.queue.shift();
  flush();
}
// Browsing events only with consent (see Consent); the shop's identify also once the shopper
// chats, since it puts their orders beside the chat. Until then it is held, not sent.
function track(name, props) {
  if (privacy.consent || (name === "identify" && privacy.chatting)) {
    send({ type: "event", name, props: props || {} });
  } else if (name === "identify") {
    privacy.identify = props;
  }
}
function sendHeldIdentify() {
  const held = privacy.identify;
  privacy.identify = null;
  if (held) track("identify", held);
}
// The shopper used the chat: keep its identity for this tab, and say who they are.
function startChatting() {
  privacy.chatting = true;
  storeNow();
  sendHeldIdentify();
}

// shopchat('consent', granted) from the shop's consent manager.
function setConsent(granted) {
  granted = !!granted;
  if (granted === privacy.consent) return;
  privacy.consent = granted;
  if (granted) {
    // A chat begun without consent goes on as it is; otherwise the identity an earlier
    // consent kept comes back.
    const kept = privacy.chatting ? stored : loadStored();
    if (kept.vid && kept !== stored) {
      stored.vid = kept.vid;
      stored.ses = kept.ses;
      stored.convs = kept.convs || {};
    }
    storeNow();
    try {
      sessionStorage.removeItem(STORAGE_KEY);
    } catch (e) { /* storage blocked */ }
    sendHeldIdentify();
  } else {
    try {
      localStorage.removeItem(STORAGE_KEY);
    } catch (e) { /* storage blocked */ }
    storeNow(); // a chat going on keeps its identity in this tab only
  }
  if (view) showStatus();
  helloAgain();
}
// A new hello tells the server what changed (consent, language); this page's chat continues
// on the new socket.
function helloAgain() {
  const socket = connection.socket;
  if (socket) {
    socket.onclose = null;
    socket.close();
    onSocketClosed(socket, 1000);
    reconnectNow();
  }
}
function flush() {
  if (outgoing.flushTimer || !connection.ready) return;
  const now = Date.now();
  outgoing.tokens = Math.min(10, outgoing.tokens + (now - outgoing.tokensAt) / 100);
  outgoing.tokensAt = now;
  while (outgoing.queue.length && outgoing.tokens >= 1) {
    connection.socket.send(toJson(outgoing.queue.shift()));
    outgoing.tokens--;
  }
  if (outgoing.queue.length) {
    outgoing.flushTimer = setTimeout(() => {
      outgoing.flushTimer = 0;
      flush();
    }, 120);
  }
}

// ---- The socket ----

function sendHello() {
  // Ask for what each conversation missed: on a fresh page this tab has seen nothing yet
  // (seq 0), so the server replays the history. At most 20 conversations.
  const lastSeq = {};
  Object.keys(stored.convs).concat(Object.keys(conversations.seq)).slice(-20).forEach(id => {
    lastSeq[id] = conversations.seq[id] || 0;
  });
  connection.socket.send(toJson({
    type: "hello", v: 1, visitor_id: stored.vid, session: stored.ses, last_seq: lastSeq,
    page: privacy.consent ? describePage() : undefined,
    consent: privacy.consent ? undefined : false,
    language: language.wanted || undefined, languages: browserLanguages(),
  }));
}

function connect() {
  clearTimeout(connection.retryTimer);
  connection.retryTimer = 0;
  if (connection.socket || connection.stopped) return;
  let socket;
  try {
    socket = new WebSocket(SOCKET_URL);
  } catch (e) {
    chatUnavailable(); // a URL the browser refuses will not get better
    return;
  }
  connection.socket = socket;
  socket.onopen = sendHello;
  socket.onmessage = event => {
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch (e) {
      return;
    }
    onFrame(frame);
  };
  socket.onclose = event => onSocketClosed(socket, event.code);
}

function onSocketClosed(socket, code) {
  if (connection.socket !== socket) return;
  connection.socket = null;
  connection.ready = false;
  // Messages are sent again from ownMessages.unacked after the welcome; stale typing and
  // read frames are dropped.
  outgoing.queue = outgoing.queue.filter(f =>
    f.type !== "message" && f.type !== "typing" && f.type !== "read");
  // 1008 and 4xxx: the server refused this page for good (say, an origin the site does not
  // allow); retrying would only load it. Any other close is worth retrying.
  if (code === 1008 || (code >= 4000 && code < 5000)) {
    chatUnavailable();
    return;
  }
  // Backoff from 0.5 s, doubling to 30 s, with jitter so a restarted server isn't stampeded.
  const delay = Math.min(30000, 500 * Math.pow(2, connection.retries++) * (1 + Math.random()));
  connection.retryTimer = setTimeout(connect, delay);
}

// The socket will not open from this page: its CSP leaves our host out of connect-src (the
// browser reports that as a violation, then closes the socket like any failure), or the
// server refused the page for good. The shopper is told instead of a message pending forever.
function chatUnavailable() {
  connection.stopped = true;
  chat.unavailable = true;
  if (view) showStatus();
}
document.addEventListener("securitypolicyviolation", e => {
  // A report-only policy reports too ("report"), but lets the socket through.
  if (e.disposition === "enforce" && e.effectiveDirective === "connect-src" &&
    e.blockedURI.indexOf(scriptUrl.host) >= 0) chatUnavailable();
});

// The page came back (online, visible): try now instead of waiting for the backoff.
function reconnectNow() {
  if (!connection.socket && !connection.stopped) {
    connection.retries = 0;
    connect();
  }
}

// ---- Incoming frames ----

function onFrame(frame) {
  switch (frame.type) {
    case "welcome": return onWelcome(frame);
    case "message": return onMessage(frame);
    case "ack": return onAck(frame);
    case "status": return onStatus(frame);
    case "typing": return onTyping(frame);
    case "read": return showReadUpTo(frame.conversation_id, frame.seq);
    case "proactive": return onProactive(frame);
    case "orders": return onOrders(frame);
    case "emailed": return emailPart && emailPart.emailed(frame);
    case "verified": return emailPart && emailPart.verified(frame);
    case "rated": return setText(view.rate, strings.rateThanks);
    case "upload_token": return filesPart && filesPart.token(frame);
    case "error": return onError(frame);
  }
}

function onWelcome(frame) {
  if (stored.vid && stored.vid !== frame.visitor_id) { // another visitor: forget the old chats
    stored.convs = {};
    clearMessages();
  }
  stored.vid = frame.visitor_id;
  stored.ses = frame.session;
  // The language the server chose, so the next page fetches the right strings at once.
  stored.lang = (frame.appearance || {}).language;
  rememberConversations(frame.conversations || []);
  storeNow();
  const appearance = frame.appearance || {};
  if (appearance.bot_name) chat.botName = appearance.bot_name;
  chat.selfService = !!appearance.self_service;
  chat.email = !!appearance.email;
  if (chat.email) withPart("email", part => { emailPart = part; applyLabels(); });
  chat.prechat = appearance.prechat;
  if (chat.prechat) withPart("prechat", part => { prechatPart = part; showStatus(); });
  chat.alerts = appearance.alerts !== false;
  if (chat.files = appearance.attachments) withPart("files", part => { filesPart = part; });
  if (chat.current) loadAlerts(); // answers may come while the shopper is on another tab
  applyAppearance(appearance);
  connection.ready = true;
  connection.retries = 0;
  // Unacknowledged messages go first, then what was queued while offline.
  const unacked = Object.keys(ownMessages.unacked).map(id => ownMessages.unacked[id]);
  outgoing.queue = unacked.concat(outgoing.queue.filter(f => f.type !== "message"));
  sendProductView();
  flush();
  emit("ready", { visitor_id: frame.visitor_id });
}

// Keeps the open conversations and the last closed one, so `last_seq` stays small; the
// panel shows the last open one, or else that closed one.
function rememberConversations(list) {
  const keep = {};
  let lastClosed = null;
  list.forEach(c => {
    conversations.state[c.id] = c.state;
    if (c.state === "closed") {
      lastClosed = c.id;
    } else {
      keep[c.id] = stored.convs[c.id] || 0;
      chat.current = c.id;
    }
  });
  if (lastClosed && !chat.current) {
    keep[lastClosed] = stored.convs[lastClosed] || 0;
    chat.current = lastClosed;
  }
  stored.convs = keep;
}

function onMessage(frame) {
  if (shownMessageIds[frame.id]) return;
  shownMessageIds[frame.id] = 1;
  const id = frame.conversation_id;
  conversations.seq[id] = Math.max(conversations.seq[id] || 0, frame.seq);
  stored.convs[id] = Math.max(stored.convs[id] || 0, frame.seq);
  storeSoon();
  chat.current = id;
  const kind = frame.author && frame.author.kind;
  if (kind === "bot") {
    conversations.lastBotText[id] = frame.text;
    chat.botName = frame.author.name || chat.botName;
  }
  if (kind === "agent") chat.agentName = frame.author.name || chat.agentName;
  if (kind !== "shopper") conversations.fromOthers[id] = frame.seq;
  const countsAsUnread = kind !== "shopper" && kind !== "system" &&
    frame.seq > (seqShownOnEarlierPages[id] || 0);
  showMessage(frame, countsAsUnread);
  emit("message", frame);
}

function onAck(frame) {
  const clientId = frame.client_msg_id;
  delete ownMessages.unacked[clientId];
  shownMessageIds[frame.id] = 1;
  const bubble = ownMessages.bubbles[clientId];
  if (bubble) {
    markBubbleSent(bubble, frame);
    delete ownMessages.bubbles[clientId];
  }
}

function onStatus(frame) {
  chat.current = frame.conversation_id;
  conversations.state[frame.conversation_id] = frame.state;
  if (frame.agent) chat.agentName = frame.agent;
  chat.agentAvatar = frame.agent_avatar;
  chat.nobodyOnline = !!frame.nobody_online;
  if (frame.state !== "queued") chat.contactSent = false;
  if (frame.state === "closed") withPart("rating", rating => rating.show(frame.conversation_id));
  else view.rate.hidden = true;
  showStatus();
}

function onTyping(frame) {
  if (frame.author && frame.author.kind === "agent") {
    showAgentTyping(frame.active !== false && (frame.author.name || strings.anAgent));
  }
}

function onProactive(frame) {
  chat.ruleId = frame.rule_id;
  const id = frame.conversation_id;
  if (frame.open) {
    if (!isPanelOpen()) chat.openedByRule = chat.ruleId;
    openPanel(false);
  } else if (id && conversations.lastBotText[id]) {
    showTeaser(conversations.lastBotText[id]);
  }
  emit("proactive", frame);
}

function onError(frame) {
  if (onOrderError(frame) || (emailPart && emailPart.refused(frame)) || (prechatPart && prechatPart.refused(frame)) ||
      (filesPart && filesPart.refused(frame))) {
    emit("error", frame);
    return;
  }
  if (frame.code === "bad_session") {
    // Start afresh on the same socket, as the server asks.
    delete stored.vid;
    delete stored.ses;
    stored.convs = {};
    storeSoon();
    clearMessages();
    Object.keys(conversations.seq).forEach(id => delete conversations.seq[id]);
    sendHello();
  } else if (frame.code === "already_rated") {
    setText(view.rate, strings.rateThanks);
  } else if (frame.code === "rate_limited") {
    outgoing.tokens = -10; // two quiet seconds
  } else if (frame.code === "internal") {
    // The server could not store something: send the unacknowledged messages again, later.
    setTimeout(() => Object.keys(ownMessages.unacked).forEach(id => send(ownMessages.unacked[id])), 2000);
  }
  emit("error", frame);
}

// ---- Read marks ----
// What an open panel in a visible tab shows has been read: one mark per conversation, up to
// its highest seq, at most every 400 ms.

let readTimer = 0;

function markReadSoon() {
  if (readTimer) return;
  readTimer = setTimeout(() => {
    readTimer = 0;
    if (!isPanelOpen() || document.hidden || !connection.ready) return;
    Object.keys(conversations.fromOthers).forEach(id => {
      const seq = conversations.seq[id];
      if ((conversations.readSent[id] || 0) < seq) {
        conversations.readSent[id] = seq;
        send({ type: "read", conversation_id: id, seq });
      }
    });
  }, 400);
}

