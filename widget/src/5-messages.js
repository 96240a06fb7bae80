/* shopchat widget, part 5 of 6: the conversation in the panel — message bubbles, read and
 * typing marks, what the shopper types, sends and leaves as an email. (The rating of a closed
 * chat and a message's photos and files are parts loaded when needed: widget/parts/rating.js,
 * widget/parts/files.js.)
 */

// ---- Messages in the panel ----

let agentTypingTimer = 0; // hides "… is typing" when the agent's typing frames stop
const shopperTyping = { sentAt: 0, stopTimer: 0 }; // typing frames: one per 4 s, stop after 5 s

function clearMessages() {
  view.messages.textContent = "";
}

function addBubble(kind, author, text) {
  const bubble = document.createElement("div");
  const authorEl = document.createElement("span");
  const textEl = document.createElement("div");
  bubble.setAttribute("data-kind", kind);
  authorEl.setAttribute("data-role", "author");
  textEl.setAttribute("data-role", "text");
  setText(authorEl, author);
  if (kind === "bot" || kind === "agent") setLinkedText(textEl, text);
  else setText(textEl, text);
  bubble.append(authorEl, textEl);
  view.messages.append(bubble);
  scrollToEnd();
  return bubble;
}

function authorLabel(frame) {
  const kind = frame.author && frame.author.kind;
  if (kind === "shopper") return strings.you;
  if (kind === "bot") return (frame.author.name || chat.botName) + " · " + strings.bot;
  return (frame.author && frame.author.name) || "";
}

function showMessage(frame, countsAsUnread) {
  const kind = frame.author && frame.author.kind;
  let bubble = null;
  if (kind === "shopper") { // our own message, back before its ack: adopt its pending bubble
    const clientId = Object.keys(ownMessages.bubbles)
      .find(id => ownMessages.bubbles[id].lastChild.textContent === frame.text);
    if (clientId) {
      bubble = ownMessages.bubbles[clientId];
      delete ownMessages.bubbles[clientId];
      bubble.removeAttribute("data-pending");
    }
  }
  if (!bubble) bubble = addBubble(kind || "system", authorLabel(frame), frame.text);
  if ((frame.attachments || []).length) withPart("files", part => part.show(bubble, frame.attachments));
  bubble.setAttribute("data-seq", frame.seq);
  bubble.setAttribute("data-conv", frame.conversation_id);
  if (kind === "agent") showAgentTyping(false);
  if (countsAsUnread && !isPanelOpen()) setUnread(chat.unread + 1);
  if (countsAsUnread && alertsPart) alertsPart.alert();
  showStatus();
  markReadSoon();
}

function markBubbleSent(bubble, ack) {
  bubble.removeAttribute("data-pending");
  bubble.setAttribute("data-seq", ack.seq);
  bubble.setAttribute("data-conv", ack.conversation_id);
}

// The agent read the shopper's messages up to `seq`: "You · Seen". The mark goes on the author
// line itself, because CSS attr() in its ::after reads that element's attribute, not the bubble's.
function showReadUpTo(conversationId, seq) {
  view.messages.querySelectorAll("[data-kind=shopper][data-conv='" + conversationId + "']")
    .forEach(bubble => {
      if (+bubble.getAttribute("data-seq") <= seq) bubble.firstChild.setAttribute("data-read", strings.seen);
    });
}

// `name` is who types, or false when they stopped; it hides itself after 6 s of silence.
function showAgentTyping(name) {
  clearTimeout(agentTypingTimer);
  view.typing.hidden = !name;
  if (!name) return;
  setText(view.typing, name + strings.isTyping);
  scrollToEnd();
  agentTypingTimer = setTimeout(() => {
    view.typing.hidden = true;
  }, 6000);
}

// ---- What the shopper does in the panel ----

function growInput() {
  view.input.style.height = "40px";
  view.input.style.height = Math.min(view.input.scrollHeight + 2, 120) + "px";
}

function onInputChanged() {
  growInput();
  const now = Date.now();
  if (connection.ready && now - shopperTyping.sentAt > 4000) {
    shopperTyping.sentAt = now;
    send({ type: "typing", active: true });
  }
  clearTimeout(shopperTyping.stopTimer);
  shopperTyping.stopTimer = setTimeout(stopTyping, 5000);
}

function stopTyping() {
  clearTimeout(shopperTyping.stopTimer);
  if (shopperTyping.sentAt) {
    shopperTyping.sentAt = 0;
    if (connection.ready) send({ type: "typing", active: false });
  }
}

// The message shows at once, dimmed, and stays in ownMessages.unacked until the server has
// stored it (the ack), so a reconnect sends it again rather than losing it.
function sendTypedMessage() {
  const text = view.input.value.trim();
  if (!text && !(filesPart && filesPart.has())) return;
  const prechat = prechatPart ? prechatPart.answers() : undefined; // no "prechat": null on every message
  const files = prechat !== false && filesPart ? filesPart.take() : [];
  if (prechat === false || !files) return;
  view.input.value = "";
  growInput();
  stopTyping();
  const clientId = "m" + Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
  const bubble = addBubble("shopper", strings.you, text);
  bubble.setAttribute("data-pending", "");
  if (files.length) filesPart.show(bubble, files);
  ownMessages.bubbles[clientId] = bubble;
  ownMessages.unacked[clientId] = {
    type: "message", client_msg_id: clientId, text, prechat,
    attachments: files.length ? files.map(file => file.id) : undefined,
  };
  chat.openedByRule = null;
  loadAlerts();
  send(ownMessages.unacked[clientId]);
}

function leaveEmail() {
  const email = view.email.value.trim();
  if (!email || !view.email.checkValidity()) return;
  send({ type: "contact", email });
  chat.address = email;
  chat.contactSent = true;
  showStatus();
}
