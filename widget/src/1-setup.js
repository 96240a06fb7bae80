/* shopchat widget, part 1 of 6: setup — which site and server, strings, stored identity and
 * the live state every later part reads and writes.
 *
 * The widget is plain JavaScript with no npm build. src/build.rs joins the files of this
 * folder in the order of their names into one script, wraps them in a single strict-mode
 * closure, `(() => { "use strict"; … })();`, and minifies it (comments and spaces only; names
 * stay). So the parts share one scope: a part may use anything an earlier part defines, and a
 * function anything defined anywhere, since functions only run once every part has loaded.
 * The early `return`s below leave that closure.
 *
 * Rules kept everywhere:
 * - the only global the widget defines is window.shopchat (the snippet's command function);
 * - its UI lives in an open shadow root, so the shop's CSS cannot reach it;
 * - text from shoppers, agents and the bot is only set with textContent, never as HTML.
 *
 * The parts:
 *   1-setup.js       which site, which server; strings and language; stored identity; live state
 *   2-connection.js  the rate-limited frame queue, the socket, incoming frames, read marks
 *   2-parts.js       parts loaded when a chat needs them (widget/parts/: rating, pre-chat
 *                    form, background-tab alerts, the email forms)
 *   3-page.js        facts about the shop's page and what the shopper does on it
 *   4-panel.js       the UI: style, markup, launcher, teaser, panel
 *   5-messages.js    the conversation in the panel: bubbles, typing, sending, email form
 *   5-orders.js      "Where is my order?", the look-up form, order cards, safe links
 *   6-start.js       the public API (window.shopchat) and the start when the page is idle
 */

// ---- Bootstrap: which site, which server ----

const MARK = "__shopchatWidget"; // on our API function: tells our copy from a page's own global
const pageGlobal = window.shopchat;
if (pageGlobal && pageGlobal[MARK]) return; // loaded twice: the first copy keeps running
// The snippet's stub is a function (with a queue `q`); anything else is the page's own
// `shopchat`: the chat still runs, but the JS API stays off rather than replace it.
const globalTaken = pageGlobal != null && typeof pageGlobal !== "function";
if (globalTaken && window.console) {
  console.warn("shopchat: window.shopchat is already used by this page; no JS API");
}
const snippetStub = globalTaken ? undefined : pageGlobal; // the calls made before we loaded

// JSON that a page's polluted prototypes cannot change: some libraries (Prototype.js) give
// arrays and strings a toJSON that JSON.stringify obeys, which turned a cart's items into a
// string (and would quote strings twice). Their toJSON is set aside for the call and put back.
const TOJSON_HOSTS = [Array.prototype, String.prototype];
function toJson(value) {
  const saved = TOJSON_HOSTS.map(host => Object.getOwnPropertyDescriptor(host, "toJSON"));
  saved.forEach((descriptor, i) => { if (descriptor) delete TOJSON_HOSTS[i].toJSON; });
  try {
    return JSON.stringify(value);
  } finally {
    saved.forEach((descriptor, i) => {
      if (descriptor) Object.defineProperty(TOJSON_HOSTS[i], "toJSON", descriptor);
    });
  }
}
const script = document.currentScript || document.querySelector("script[data-site]");
const siteKey = script && script.getAttribute("data-site");
if (!siteKey) return;
// The socket goes to the server the script came from, not to the shop.
const scriptUrl = new URL(script.src, location.href);
const SERVER = scriptUrl.origin; // where the language catalogues come from
const SOCKET_URL = (scriptUrl.protocol === "https:" ? "wss://" : "ws://") + scriptUrl.host +
  "/ws/shopper?site=" + encodeURIComponent(siteKey);
// The query parameters a page URL keeps when it is reported (the rest, and fragments, never
// leave the page: they may carry an email, a token, a search): data-keep-params on the
// snippet, comma-separated; UTM parameters by default.
const KEEP_PARAMS = (script.hasAttribute("data-keep-params") ? script.getAttribute("data-keep-params")
  : "utm_source,utm_medium,utm_campaign,utm_term,utm_content").split(",")
  .map(name => name.trim()).filter(Boolean);
const STORAGE_KEY = "shopchat:" + siteKey; // localStorage: identity and conversations
const OPEN_KEY = STORAGE_KEY + ":open"; // sessionStorage: the panel was open on the last page

// ---- Consent ----
// data-consent="required" on the snippet: until the shop's consent manager calls
// shopchat('consent', true), no browsing event leaves the page, the hello names no page, and
// nothing is read from or written to the browser's storage. The chat still works: once the
// shopper uses it, its own identity is kept in sessionStorage (this tab only, gone when it
// closes) so the conversation follows them to the next page. shopchat('consent', false)
// withdraws it: the stored identity is deleted and tracking stops.
const privacy = {
  consent: script.getAttribute("data-consent") !== "required",
  chatting: false, // the shopper used the chat: its identity may live in sessionStorage
  identify: null, // the shop's identify call, held until consent or the chat starts
};
// Where the identity lives now: localStorage with consent, sessionStorage for a chat without
// it, nowhere before either. Null also when the browser blocks storage.
function storageArea() {
  try {
    return privacy.consent ? localStorage : privacy.chatting || sessionStorage.getItem(STORAGE_KEY) ? sessionStorage : null;
  } catch (e) {
    return null;
  }
}

// ---- Strings ----
// Every text the widget shows, one plain JSON catalogue per language (widget/lang/xx.json in
// the repository). English, the fallback, is written in here by the build; another language
// is fetched from the chat server (/widget/lang/xx.json, cached by the browser) before the UI
// is built, so the shopper does not see English first. The server's welcome names the
// language to show: the shop's shopchat('language', …), else the browser's first language
// the site enables, else the site's first.

const EN = __SHOPCHAT_EN__;
let strings = EN;
const language = {
  code: "en", // the language shown (and the locale of dates and money)
  wanted: "", // shopchat('language', …): the shop's choice over the browser's
  loading: null, // the catalogue on its way
};
// `fr-CA` → `fr`; anything that is not a language tag → `en`.
function primaryTag(tag) {
  const code = String(tag || "").split(/[-_]/)[0].toLowerCase();
  return /^[a-z]{2,3}$/.test(code) ? code : "en";
}
// The browser's languages, best first, as hello sends them.
function browserLanguages() {
  return [].concat(navigator.languages || [], navigator.language || []).slice(0, 8);
}
// Shows `tag`'s strings (English for what its catalogue lacks, or without one).
function useLanguage(tag) {
  const code = primaryTag(tag);
  if (code === language.code) return language.loading;
  language.code = code;
  const apply = catalogue => {
    if (language.code !== code) return; // a later choice won
    strings = Object.assign({}, EN, catalogue);
    if (view) applyLabels();
  };
  return language.loading = code === "en" ? Promise.resolve(apply({})) :
    fetch(SERVER + "/widget/lang/" + code + ".json").then(r => r.ok ? r.json() : {}).then(apply, () => apply({}));
}

// ---- Stored identity ----
// { vid: visitor id, ses: session token, convs: { conversation id: last seq } } in
// localStorage (see Consent), so every page and tab of the shop is the same visitor in the
// same chats.

function loadStored() {
  try {
    return JSON.parse(storageArea().getItem(STORAGE_KEY)) || {};
  } catch (e) {
    return {};
  }
}
const stored = loadStored();
stored.convs = stored.convs || {};
let storeTimer = 0;

function storeNow() {
  clearTimeout(storeTimer);
  storeTimer = 0;
  try {
    storageArea().setItem(STORAGE_KEY, toJson(stored));
  } catch (e) { /* no consent yet, or private mode: this page still works, the next starts afresh */ }
}
// Seq updates are batched; the identity is written at once (storeNow), because a hidden
// tab's timers can be held back for a long time and the next page must find the same visitor.
function storeSoon() {
  if (!storeTimer) storeTimer = setTimeout(storeNow, 50);
}
window.addEventListener("pagehide", () => {
  if (storeTimer) storeNow();
});
// What earlier pages already showed does not count as unread on this one.
const seqShownOnEarlierPages = Object.assign({}, stored.convs);

// ---- Live state ----

const connection = {
  socket: null,
  ready: false, // welcome received: frames may flow
  retries: 0, // failed attempts in a row, for the backoff
  retryTimer: 0,
  stopped: false, // the server refused us for good (1008, 4xxx): never reconnect
};
// Per conversation id.
const conversations = {
  seq: {}, // highest seq this page has seen (0 until the server replays the history)
  fromOthers: {}, // seq of the last message not from the shopper: these conversations get read marks
  readSent: {}, // highest seq a read mark went out for
  lastBotText: {}, // the bot's last words, shown in the teaser
  state: {}, // bot | queued | assigned | closed
};
// The shopper's own messages on their way, by client_msg_id.
const ownMessages = {
  unacked: {}, // the frame, sent again after a reconnect until the server acks it
  bubbles: {}, // its bubble, dimmed until the ack
};
// Server message ids already shown or acked: a replay after a reconnect can bring one twice.
const shownMessageIds = {};
const chat = {
  current: null, // the conversation the panel shows
  agentName: "",
  agentAvatar: null, // the path of that agent's avatar (a status frame's agent_avatar)
  botName: "Shop assistant",
  nobodyOnline: false,
  contactSent: false, // the shopper left an email while waiting
  ruleId: null, // the trigger rule of the last proactive frame
  openedByRule: null, // the rule that opened the panel, until the shopper answers
  unread: 0,
  wantOpen: false, // shopchat('open') came before the UI existed
  selfService: false, // the site answers "Where is my order?" (welcome's appearance)
  email: false, // the site sends email: transcripts, codes (welcome's appearance)
  files: false, // the site takes photos and files (welcome's appearance)
  emailPending: null, // "transcript" or "code" while the server has not answered
  address: "", // the address the shopper last typed, offered again
  lookupPending: false, // an order look-up is on its way: its error belongs to the form
  unavailable: false, // the socket cannot be opened from this page (its CSP, or refused for good)
  prechat: null, // the form the site asks before the first message (welcome's appearance)
  prechatSent: false, // its answers went out with the first message
  identified: false, // the shop called identify with an id or email: no form
  alerts: true, // a background tab gets a title count and a tone (welcome's appearance)
};
const listeners = {}; // shopchat('on', event, fn)

function emit(name, detail) {
  (listeners[name] || []).forEach(fn => {
    try {
      fn(detail);
    } catch (e) { /* the shop's code must not break the widget */ }
  });
}

