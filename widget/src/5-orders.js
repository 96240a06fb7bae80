/* shopchat widget, part 5b: orders — the "Where is my order?" button, the look-up form
 * (order number and email), the order cards with their tracking link and Return / Cancel
 * buttons, and links in the bot's and agents' messages.
 *
 * Every text comes from the server and is set with textContent; a link is an <a> built here
 * whose href is checked to be http(s), opened in a new tab without access to this page.
 */

// ---- Safe links ----

function element(tag, role, text) {
  const el = document.createElement(tag);
  if (role) el.setAttribute("data-role", role);
  if (text != null) el.textContent = text;
  return el;
}

// An http(s) URL as a link, or null for anything else (javascript:, data:, relative…).
function safeLink(url, text) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch (e) {
    return null;
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return null;
  const a = element("a", null, text || url);
  a.href = parsed.href;
  a.target = "_blank";
  a.rel = "noopener noreferrer";
  return a;
}

// Text with its http(s) URLs as links; everything else stays text nodes.
function setLinkedText(target, text) {
  target.textContent = "";
  const pattern = /https?:\/\/[^\s<>"']+/g;
  let at = 0;
  let match;
  while ((match = pattern.exec(text))) {
    const url = match[0].replace(/[.,;:!?)\]]+$/, ""); // trailing punctuation is the sentence's
    const link = safeLink(url);
    if (!link) continue;
    target.append(text.slice(at, match.index), link);
    at = match.index + url.length;
    pattern.lastIndex = at;
  }
  target.append(text.slice(at));
}

// ---- The button and the look-up form ----

function showOrderTools() {
  const state = conversations.state[chat.current];
  // Once a person has the chat, they answer order questions (with the order beside them).
  view.wismo.hidden = !chat.selfService || state === "assigned";
  if (view.wismo.hidden) view.lookup.hidden = true;
}

function askWhereIsMyOrder() {
  chat.openedByRule = null;
  send({ type: "orders" });
}

function showLookup() {
  view.lookup.hidden = false;
  setText(view.lookupError, "");
  view.lookupNumber.focus();
  scrollToEnd();
}

function lookUpOrder() {
  const number = view.lookupNumber.value.trim();
  const email = view.lookupEmail.value.trim();
  if (!number || !email || !view.lookupEmail.checkValidity()) return;
  chat.lookupPending = true;
  setText(view.lookupError, "");
  send({ type: "order_lookup", number, email });
}

// The server refused an order frame: shown in the form when it was the form's.
function onOrderError(frame) {
  if (!chat.lookupPending) return false;
  chat.lookupPending = false;
  setText(view.lookupError, frame.message || "");
  return true;
}

// ---- Order cards ----

function onOrders(frame) {
  chat.lookupPending = false;
  if (frame.lookup) showLookup();
  const orders = frame.orders || [];
  if (!orders.length) return;
  view.lookup.hidden = true;
  view.lookupNumber.value = view.lookupEmail.value = "";
  const list = element("div", "orders");
  orders.forEach(order => list.append(orderCard(order)));
  view.messages.append(list);
  scrollToEnd();
}

function orderCard(order) {
  const card = element("section", "order");
  card.setAttribute("aria-label", strings.order + " " + order.number);
  card.append(element("b", null, strings.order + " " + order.number));
  const status = order.with_a_person ? strings.withPerson : order.status;
  card.append(element("p", "order-status", status + " · " + localDate(order.placed_at, order.placed)));
  if (order.items) card.append(element("p", null, order.items));
  card.append(element("p", null, strings.total + " " + localMoney(order)));
  const parcel = [order.carrier, order.tracking_number].filter(Boolean).join(" · ");
  if (parcel) card.append(element("p", null, parcel));
  if (order.estimated_delivery) {
    card.append(element("p", null, strings.estimatedDelivery + " " + localDate(order.delivery_at, order.estimated_delivery)));
  }
  const actions = element("div", "order-actions");
  const track = order.tracking_url && safeLink(order.tracking_url, strings.track);
  if (track) {
    track.setAttribute("data-role", "tracking");
    actions.append(track);
  }
  if (order.can_return) actions.append(requestButton(order, "return", strings.returnOrder));
  if (order.can_cancel) actions.append(requestButton(order, "cancel", strings.cancelOrder));
  if (actions.childNodes.length) card.append(actions);
  return card;
}

// Dates and money in the shopper's language's locale (`5 déc. 2026`, `89,90 €`); the
// server's own text for an older server or a browser that cannot. Dates are days in UTC,
// as the shop's systems send them.
function localDate(ms, text) {
  try {
    return ms ? new Intl.DateTimeFormat(language.code, { dateStyle: "medium", timeZone: "UTC" }).format(ms) : text;
  } catch (e) {
    return text;
  }
}
function localMoney(order) {
  try {
    return order.amount ? new Intl.NumberFormat(language.code, { style: "currency", currency: order.currency }).format(order.amount) : order.total;
  } catch (e) {
    return order.total;
  }
}

// Return / Cancel: one request; the button stays pressed so a second click does nothing.
function requestButton(order, kind, label) {
  const button = element("button", "order-" + kind, label);
  button.type = "button";
  button.onclick = () => {
    if (button.disabled) return;
    button.disabled = true;
    button.setAttribute("aria-pressed", "true");
    send({ type: "order_request", order: order.number, kind });
  };
  return button;
}
