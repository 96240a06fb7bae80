/* shopchat widget, part 4 of 6: the UI — style and markup in an open shadow root, the
 * launcher, the teaser, the panel with its status line.
 */

// ---- Style and markup ----
// Everything sits in an open shadow root on <div id="shopchat-root">. The browser tests find
// the parts by data-role; --accent and --on-accent carry the site's colour. The .widget box is
// a manual popover, shown at once, so it lives in the browser's top layer (see liftUi).

const STYLE = ":host{all:initial}" +
  // Reset: nothing inherited from the shop.
  "*{box-sizing:border-box;margin:0;padding:0;font:14px/1.4 system-ui,-apple-system,'Segoe UI',Arial,sans-serif;color:#1f2328;letter-spacing:normal;text-transform:none;text-align:start}" +
  "[hidden]{display:none!important}button{cursor:pointer;border:0;background:none}" +
  ":focus-visible{outline:3px solid #0969da;outline-offset:2px}header :focus-visible{outline-color:var(--on-accent);outline-offset:-3px}" +
  ".widget{--accent:#1f6feb;--on-accent:#fff;border:0}" +
  // Launcher with its unread badge.
  "[data-role=launcher]{position:fixed;inset-inline-end:20px;bottom:20px;z-index:2147483000;width:56px;height:56px;border-radius:28px;background:var(--accent);box-shadow:0 4px 14px rgba(0,0,0,.25);display:flex;align-items:center;justify-content:center}" +
  "svg{width:26px;height:26px;fill:var(--on-accent)}" +
  ".badge{position:absolute;top:-2px;inset-inline-end:-2px;min-width:20px;height:20px;border-radius:10px;padding:0 6px;background:#cf222e;color:#fff;font-size:12px;line-height:20px;text-align:center}" +
  // Teaser: the bot's proactive words above the launcher.
  "[data-role=teaser]{position:fixed;inset-inline-end:20px;bottom:88px;z-index:2147483000;display:flex;align-items:flex-start;gap:8px;width:280px;padding:12px;background:#fff;border-radius:12px;box-shadow:0 6px 24px rgba(0,0,0,.2)}" +
  "[data-role=teaser-text]{flex:1;max-height:104px;overflow:hidden;white-space:pre-wrap;overflow-wrap:anywhere}" +
  "[data-role=dismiss],header button{width:28px;height:28px;font-size:20px;line-height:28px;text-align:center;color:#57606a;border-radius:14px}" +
  // Panel (a <dialog>, shown while [open]): header, status line, message log. Its height is
  // a share of the viewport in %, which a shop's html{zoom} does not scale (vh would be), so
  // the header stays on screen.
  "[data-role=panel]{position:fixed;inset-block:auto 88px;inset-inline:auto 20px;z-index:2147483001;flex-direction:column;width:360px;height:560px;max-width:calc(100% - 40px);max-height:calc(100% - 108px);border:0;background:#fff;border-radius:12px;overflow:hidden;box-shadow:0 8px 30px rgba(0,0,0,.25)}[open]{display:flex}" +
  "header{display:flex;align-items:center;padding:12px;padding-inline-start:16px;background:var(--accent)}[data-role=face]{width:28px;height:28px;margin-inline-end:10px;border-radius:50%;object-fit:cover;background:#fff}header b{flex:1;font-size:16px;font-weight:600;color:var(--on-accent)}header button{color:var(--on-accent)}" +
  "[data-role=status]{padding:8px 16px;font-size:13px;color:#57606a;background:#f6f8fa;border-bottom:1px solid #d0d7de}" +
  ".log{flex:1;overflow-y:auto;padding:8px 16px}.log:focus-visible{outline-offset:-3px}.greeting{margin:8px 0;color:#57606a}" +
  // Message bubbles: shopper at the end (right, or left in right-to-left languages) in the
  // accent colour, others at the start, system lines centred. Only logical properties
  // (inline-start/end), so `dir=rtl` mirrors the whole widget.
  "[data-kind]{margin:8px 0;max-width:85%}[data-kind=shopper]{margin-inline-start:auto}" +
  "[data-role=author]{display:block;font-size:11px;color:#57606a;margin-bottom:2px}[data-kind=shopper] [data-role=author]{text-align:end}" +
  "[data-read]::after{content:' · ' attr(data-read)}" +
  "[data-role=text]{padding:8px 12px;border-radius:12px;background:#eef1f4;white-space:pre-wrap;overflow-wrap:anywhere}" +
  "[data-kind=shopper] [data-role=text]{background:var(--accent);color:var(--on-accent)}[data-pending]{opacity:.6}" +
  "[data-kind=system]{max-width:100%}[data-kind=system] [data-role=author]{display:none}[data-kind=system] [data-role=text]{background:none;text-align:center;font-size:12px;color:#57606a}" +
  "[data-role=typing]{font-size:12px;font-style:italic;color:#57606a}" +
  // The email form (nobody online), the composer, the handoff link.
  "form{padding:8px 16px;border-top:1px solid #d0d7de}label{display:block;font-size:12px;color:#57606a;margin-bottom:4px}form div{display:flex;gap:8px}" +
  "input,textarea{flex:1;min-width:0;height:40px;padding:9px 10px;border:1px solid #d0d7de;border-radius:8px;background:#fff;resize:none}" +
  ".composer{display:flex;gap:8px;padding:8px 12px 4px;border-top:1px solid #d0d7de;align-items:flex-end}textarea{max-height:120px}" +
  ".composer button,form button{height:40px;padding:0 14px;border-radius:8px;background:var(--accent);color:var(--on-accent);font-weight:600}" +
  "[data-role=handoff]{align-self:center;margin:0 0 8px;padding:4px 8px;font-size:13px;color:#0969da;text-decoration:underline}" +
  // Orders: the button, the look-up form, the cards; links in messages.
  ".tools{display:flex;justify-content:center;gap:4px;flex-wrap:wrap}[data-role=wismo],[data-role=transcript],[data-role=use-code]{margin:0 0 8px;padding:4px 8px;font-size:13px;color:#0969da;text-decoration:underline}[data-role=use-code]{margin:4px 0 0;padding:0}[data-role=code-digits]{flex:0 0 6.5em}[data-role=email-note]{font-size:12px;color:#57606a}" +
  "[data-role=lookup]>input{display:block;width:100%;margin-bottom:6px}[data-role=lookup-error],[data-role=code-error]{color:#cf222e;font-size:12px}" +
  "[data-role=text] a{color:inherit;text-decoration:underline}" +
  "[data-role=order]{margin:8px 0;padding:10px 12px;border:1px solid #d0d7de;border-radius:12px}[data-role=order] b{font-weight:600}[data-role=order] p{font-size:13px;color:#57606a}" +
  "[data-role=order-actions]{display:flex;flex-wrap:wrap;gap:6px;margin-top:8px}[data-role=order-actions]>*{padding:6px 10px;border:1px solid #d0d7de;border-radius:8px;font-size:13px;color:#0969da;text-decoration:none}[data-role=order-actions] button[disabled]{opacity:.6;cursor:default}" +
  // Phones: the panel takes the whole screen (a modal dialog, see showPanel); 16px inputs
  // keep iOS from zooming.
  "@media (max-width:480px){[data-role=panel]{inset:0;width:auto;height:auto;max-width:none;max-height:none;border-radius:0}input,textarea{font-size:16px}}" +
  "@media (prefers-reduced-motion:no-preference){[data-role=panel],[data-role=teaser]{animation:rise .18s ease-out}@keyframes rise{from{opacity:0;transform:translateY(8px)}}}";

// Static markup only: every text is filled in later with textContent (applyLabels). The log
// takes the focus so a keyboard can scroll a long conversation.
const HTML = '<div class="widget" popover="manual">' +
  '<div data-role="teaser" hidden aria-live="polite"><button data-role="teaser-text"></button>' +
  '<button data-role="dismiss">×</button></div>' +
  '<dialog data-role="panel" aria-labelledby="title">' +
  '<header><img data-role="face" alt="" hidden><b id="title"></b><button data-role="close">×</button></header>' +
  '<p data-role="status" role="status" hidden></p>' +
  '<div class="log" tabindex="0"><p class="greeting" data-role="greeting" hidden></p><p class="greeting" data-role="stores" hidden></p>' +
  '<div data-role="messages" role="log" aria-live="polite"></div><p data-role="typing" hidden></p></div>' +
  '<form data-role="lookup" hidden><label for="order-number"></label>' +
  '<input id="order-number" data-role="lookup-number" required maxlength="64" autocomplete="off">' +
  '<label for="order-email"></label><div>' +
  '<input id="order-email" type="email" data-role="lookup-email" required autocomplete="email">' +
  '<button type="submit"></button></div><p data-role="lookup-error" role="alert"></p>' +
  '<button type="button" data-role="use-code" hidden></button></form>' +
  '<form data-role="code" hidden><label for="code-email"></label><div>' +
  '<input id="code-email" type="email" data-role="code-email" required autocomplete="email">' +
  '<input data-role="code-digits" inputmode="numeric" autocomplete="one-time-code" maxlength="6" hidden>' +
  '<button type="submit"></button></div><p data-role="code-error" role="alert"></p></form>' +
  '<form data-role="transcript-form" hidden><label for="transcript-email"></label><div>' +
  '<input id="transcript-email" type="email" data-role="transcript-email" required autocomplete="email">' +
  '<button type="submit"></button></div><p data-role="email-note" role="status"></p></form>' +
  '<form data-role="offline" hidden><label for="email"></label><div>' +
  '<input id="email" type="email" data-role="email" required autocomplete="email">' +
  '<button type="submit"></button></div></form>' +
  '<form data-role="rate" hidden></form>' +
  '<div class="composer"><textarea data-role="input" rows="1" maxlength="4000"></textarea>' +
  '<button data-role="send"></button></div>' +
  '<div class="tools"><button data-role="wismo" hidden></button>' +
  '<button data-role="transcript" hidden></button>' +
  '<button data-role="handoff"></button></div></dialog>' +
  '<button data-role="launcher" aria-expanded="false"><svg viewBox="0 0 24 24" aria-hidden="true">' +
  '<path d="M6 3h12a3 3 0 0 1 3 3v9a3 3 0 0 1-3 3h-8l-5 4v-4.2A3 3 0 0 1 3 15V6a3 3 0 0 1 3-3z"/></svg>' +
  '<span class="badge" hidden></span></button></div>';

// ---- Building the UI ----

let view = null; // the UI's elements, once start() has built it

function buildUi() {
  const host = document.createElement("div");
  host.id = "shopchat-root";
  host.style.cssText = "all:initial!important"; // the shop's CSS cannot reach or restyle the host
  const root = host.attachShadow({ mode: "open" });
  root.innerHTML = staticMarkup();
  addStyle(root, STYLE);
  const part = role => root.querySelector("[data-role=" + role + "]");
  view = {
    root, widget: root.querySelector(".widget"), log: root.querySelector(".log"),
    launcher: part("launcher"), badge: root.querySelector(".badge"),
    teaser: part("teaser"), teaserText: part("teaser-text"), dismiss: part("dismiss"),
    panel: part("panel"), close: part("close"), status: part("status"),
    greeting: part("greeting"), messages: part("messages"), typing: part("typing"),
    offline: part("offline"), email: part("email"), input: part("input"),
    send: part("send"), handoff: part("handoff"), wismo: part("wismo"),
    lookup: part("lookup"), lookupNumber: part("lookup-number"),
    lookupEmail: part("lookup-email"), lookupError: part("lookup-error"),
    useCode: part("use-code"), code: part("code"), codeEmail: part("code-email"),
    codeDigits: part("code-digits"), codeError: part("code-error"),
    transcript: part("transcript"), transcriptForm: part("transcript-form"),
    transcriptEmail: part("transcript-email"), emailNote: part("email-note"),
    stores: part("stores"), rate: part("rate"), face: part("face"),
  };
  wireUi();
  applyLabels();
  document.body.append(host);
  liftUi();
}

// Adds `css` to the shadow root: STYLE here, a part's own rules when it loads. A constructed
// style sheet is not inline style: a shop's CSP without 'unsafe-inline' in style-src lets it
// through. Browsers without them get a <style>.
function addStyle(root, css) {
  if (root.adoptedStyleSheets && CSSStyleSheet.prototype.replaceSync) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = root.adoptedStyleSheets.concat(sheet);
  } else {
    const style = document.createElement("style");
    style.textContent = css;
    root.append(style);
  }
}

// The markup for our one HTML sink, through the Trusted Types policy (2-parts.js).
function staticMarkup() {
  return trusted("html");
}

function wireUi() {
  view.launcher.onclick = () => (isPanelOpen() ? closePanel(false) : openPanel(true));
  view.close.onclick = () => closePanel(true);
  view.send.onclick = () => {
    sendTypedMessage();
    view.input.focus();
  };
  view.handoff.onclick = () => {
    chat.openedByRule = null;
    send({ type: "handoff" });
  };
  view.teaserText.onclick = () => openPanel(true);
  view.dismiss.onclick = () => {
    view.teaser.hidden = true;
    if (chat.ruleId) track("dismiss", { rule_id: chat.ruleId });
    view.launcher.focus();
  };
  view.panel.addEventListener("keydown", e => {
    if (e.key === "Escape") {
      e.stopPropagation();
      closePanel(true);
    }
  });
  view.input.addEventListener("keydown", e => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      sendTypedMessage();
    }
  });
  view.input.addEventListener("input", onInputChanged);
  view.offline.addEventListener("submit", e => {
    e.preventDefault();
    leaveEmail();
  });
  view.wismo.onclick = askWhereIsMyOrder;
  view.lookup.addEventListener("submit", e => {
    e.preventDefault();
    lookUpOrder();
  });
}

function setText(element, text) {
  element.textContent = text;
}
// Open for the shopper (view.open): a dialog the browser closed itself (Escape on a phone)
// still counts as open until closePanel has done its bookkeeping.
function isPanelOpen() {
  return !!view && !!view.open;
}
function scrollToEnd() {
  view.log.scrollTop = view.log.scrollHeight;
}

// ---- Labels, colour, status line ----

// Texts and ARIA names in the current language.
function applyLabels() {
  view.widget.lang = language.code;
  view.widget.dir = /^(ar|he|fa|ur)$/.test(language.code) ? "rtl" : "ltr";
  labelLauncher();
  view.close.setAttribute("aria-label", strings.closeChat);
  view.dismiss.setAttribute("aria-label", strings.dismiss);
  setText(view.root.getElementById("title"), strings.title);
  view.input.placeholder = strings.placeholder;
  view.input.setAttribute("aria-label", strings.placeholder);
  setText(view.send, strings.send);
  view.send.setAttribute("aria-label", strings.sendMessage);
  setText(view.handoff, strings.talkToPerson);
  setText(view.offline.querySelector("label"), strings.yourEmail);
  setText(view.offline.querySelector("button"), strings.send);
  view.offline.querySelector("button").setAttribute("aria-label", strings.sendEmail);
  setText(view.wismo, strings.wismo);
  setText(view.lookup.querySelector("label"), strings.orderNumber);
  setText(view.lookup.querySelector("[for=order-email]"), strings.yourEmail);
  setText(view.lookup.querySelector("button"), strings.lookUp);
  setText(view.stores, strings.stores);
  if (emailPart) emailPart.label();
  showStatus();
}

function applyAppearance(appearance) {
  if (appearance.language) useLanguage(appearance.language);
  if (appearance.color && window.CSS && window.CSS.supports("color", appearance.color)) {
    applyAccentColor(appearance.color);
  }
  setText(view.greeting, appearance.greeting || "");
  view.greeting.hidden = !appearance.greeting;
  showStatus();
}

// The site's colour (any CSS colour), and on it dark or white text, whichever reads better by
// WCAG's contrast ratio; a colour on which neither reaches 4.5:1 is darkened until white does.
const DARK_TEXT = [31, 35, 40]; // #1f2328
const WHITE_TEXT = [255, 255, 255];
function applyAccentColor(color) {
  let accent = colorChannels(color);
  if (!accent) return;
  let text = contrast(accent, DARK_TEXT) >= contrast(accent, WHITE_TEXT) ? DARK_TEXT : WHITE_TEXT;
  for (let step = 0; step < 30 && contrast(accent, text) < 4.5; step++) {
    accent = accent.map(c => Math.round(c * 0.92));
    text = WHITE_TEXT;
  }
  view.widget.style.setProperty("--accent", "rgb(" + accent.join(",") + ")");
  view.widget.style.setProperty("--on-accent", "rgb(" + text.join(",") + ")");
}
// [r, g, b] of an opaque CSS colour (checked valid by the caller), as a canvas normalises
// it; null for a see-through one.
function colorChannels(color) {
  const probe = document.createElement("canvas").getContext("2d");
  if (!probe) return null;
  probe.fillStyle = color;
  const hex = /^#(..)(..)(..)$/.exec(probe.fillStyle);
  return hex && hex.slice(1).map(h => parseInt(h, 16));
}
// WCAG 2 contrast ratio of two colours.
function contrast(a, b) {
  const [high, low] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (high + 0.05) / (low + 0.05);
}
function luminance(rgb) {
  const linear = rgb.map(c => {
    const v = c / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2];
}

function statusText() {
  if (chat.unavailable) return strings.unavailable;
  const state = conversations.state[chat.current];
  if (state === "queued") {
    return chat.contactSent ? strings.thanks : chat.nobodyOnline ? strings.nobodyOnline : strings.waiting;
  }
  if (state === "assigned") return strings.chattingWith + (chat.agentName || strings.anAgent);
  if (state === "bot") return strings.chattingWith + chat.botName + " · " + strings.bot;
  if (state === "closed") return strings.closed;
  return "";
}
// The status line, and the email form while nobody is online to take the queued chat.
function showStatus() {
  const text = statusText();
  setText(view.status, text);
  view.status.hidden = !text;
  view.stores.hidden = privacy.consent; // without consent the chat says what it keeps
  view.input.disabled = view.send.disabled = chat.unavailable;
  const state = conversations.state[chat.current];
  const queued = state === "queued";
  // Asking for a person is pointless once one is coming or here; a closed chat may ask again.
  // While the pre-chat form is up, the way to a person is the form and a first message.
  view.handoff.hidden = queued || state === "assigned" || !!prechatPart && prechatPart.show();
  // The agent's avatar beside the title while they have the chat (a picture they chose).
  const face = state === "assigned" && chat.agentAvatar;
  view.face.hidden = !face;
  if (face) view.face.src = SERVER + face;
  view.offline.hidden = !(queued && chat.nobodyOnline && !chat.contactSent);
  showOrderTools();
  if (emailPart) emailPart.tools();
}

// ---- Opening and closing ----

function setUnread(count) {
  chat.unread = count;
  setText(view.badge, count > 9 ? "9+" : String(count));
  view.badge.hidden = !count;
  labelLauncher();
}

function openPanel(focusInput) {
  const wasOpen = isPanelOpen();
  if (!view.panel.open) showPanel();
  view.teaser.hidden = true;
  view.open = true;
  setUnread(0);
  scrollToEnd();
  if (focusInput) view.input.focus();
  try {
    if (storageArea()) sessionStorage.setItem(OPEN_KEY, "1"); // not before consent or a chat
  } catch (e) { /* storage blocked: the next page starts closed */ }
  if (!wasOpen) {
    track("widget_open");
    emit("open");
  }
  markReadSoon();
}

function closePanel(focusLauncher) {
  if (!isPanelOpen()) return;
  if (view.panel.open) view.panel.close();
  view.open = false;
  labelLauncher();
  if (focusLauncher) view.launcher.focus();
  try {
    sessionStorage.removeItem(OPEN_KEY);
  } catch (e) { /* storage blocked */ }
  if (chat.openedByRule) { // a rule opened the panel and the shopper left it unanswered
    track("dismiss", { rule_id: chat.openedByRule });
    chat.openedByRule = null;
  }
  emit("close");
}

function showTeaser(text) {
  if (isPanelOpen()) return;
  setText(view.teaserText, text);
  view.teaser.hidden = false;
}


// ---- Top layer, modal on phones, the launcher's name ----

// The phone layout of STYLE's media query: there the panel covers the page, so it is modal.
const PHONE = matchMedia("(max-width:480px)");

// The widget in the browser's top layer (a shown popover), where nothing of the page can cover
// it (not a z-index of 2147483647) and position:fixed means the viewport even under a
// transform on the page's body. Browsers without popovers keep the z-indexes of STYLE.
function liftUi() {
  if (view.widget.showPopover) view.widget.showPopover();
  // Escape on a phone closes the modal dialog natively (from anywhere: the page is inert).
  view.panel.onclose = () => {
    if (!view.panel.open) closePanel(true);
  };
  // A phone turned to landscape (or a window narrowed) while open: the other kind of dialog.
  PHONE.onchange = () => {
    if (view.panel.open) {
      view.panel.close();
      showPanel();
    }
  };
}

// On a phone a modal dialog: the page behind is inert, Tab stays in the panel (and the
// browser's own controls), Escape closes. Beside the page it is not modal, and opening it
// with the attribute keeps the page's focus where it is (show() would move it).
function showPanel() {
  if (PHONE.matches) view.panel.showModal();
  else view.panel.open = true;
}

// "Open chat, 2 unread messages" or "Close chat", and aria-expanded, for screen readers. The
// count is the badge's own text ("9+"), so the name holds what the button shows (WCAG 2.5.3).
function labelLauncher() {
  const count = chat.unread;
  view.launcher.setAttribute("aria-expanded", isPanelOpen());
  view.launcher.setAttribute("aria-label", isPanelOpen() ? strings.closeChat : strings.openChat +
    (count ? ", " + view.badge.textContent + strings.unread[count > 1 ? 1 : 0] : ""));
}
