/* shopchat widget (/widget.js, no build step). Chat text is only set with textContent;
 * the only global is window.shopchat. */
(() => {
  "use strict";
  const W = window, D = document, old = W.shopchat;
  if (old && old.v) return; // loaded twice
  const script = D.currentScript || D.querySelector("script[data-site]");
  const site = script && script.getAttribute("data-site");
  if (!site) return;
  const base = new URL(script.src, location.href);
  const wsUrl = (base.protocol === "https:" ? "wss://" : "ws://") + base.host +
    "/ws/shopper?site=" + encodeURIComponent(site);
  const KEY = "shopchat:" + site, OPEN_KEY = KEY + ":open";

  // ---- strings ----
  const S = {
    en: { open: "Open chat", close: "Close chat", title: "Chat with us", ph: "Type a message…",
      send: "Send", person: "Talk to a person", you: "You", bot: "Bot", agent: "an agent",
      wait: "Waiting for an agent…", with: "You're chatting with ", closed: "Chat closed",
      nobody: "Nobody is online right now. Leave your email and we'll get back to you.",
      typing: " is typing…", email: "Your email", thanks: "Thanks! We'll answer by email.",
      dismiss: "Dismiss", seen: "Seen" },
    de: { open: "Chat öffnen", close: "Chat schließen", title: "Schreiben Sie uns",
      ph: "Nachricht schreiben…", send: "Senden", person: "Mit einem Menschen sprechen",
      you: "Sie", bot: "Bot", agent: "einem Mitarbeiter", wait: "Wir verbinden Sie gleich…",
      with: "Sie chatten mit ", closed: "Chat beendet",
      nobody: "Gerade ist niemand online. Hinterlassen Sie Ihre E-Mail-Adresse, wir melden uns.",
      typing: " schreibt…", email: "Ihre E-Mail-Adresse", thanks: "Danke! Wir antworten per E-Mail.",
      dismiss: "Ausblenden", seen: "Gelesen" }
  };
  let T = S.en;
  const pickLang = l => { T = S[String(l || navigator.language || "en").slice(0, 2).toLowerCase()] || S.en; };
  pickLang();

  // ---- storage: visitor id, session token, conversations (id → last seq), shared by tabs ----
  const load = () => { try { return JSON.parse(localStorage.getItem(KEY)) || {}; } catch (e) { return {}; } };
  let saved = load(), saveT = 0;
  saved.convs = saved.convs || {};
  const saveNow = () => {
    clearTimeout(saveT); saveT = 0;
    try { localStorage.setItem(KEY, JSON.stringify(saved)); } catch (e) { /* private mode */ }
  };
  // Seq updates are batched; the identity is written at once (saveNow), because a hidden tab's
  // timers can be held back for a long time and the next page must find the same visitor.
  const save = () => saveT || (saveT = setTimeout(saveNow, 50));
  W.addEventListener("pagehide", () => { if (saveT) saveNow(); });
  const base0 = Object.assign({}, saved.convs); // seen on earlier pages: not "unread"

  // ---- socket state ----
  let ws = null, ready = false, retry = 0, retryT = 0, stopped = false;
  let q = [], tokens = 10, tokAt = Date.now(), flushT = 0;
  const outbox = {}, pend = {}, seen = {}, seqs = {}, other = {}, readSent = {}, lastBot = {}, st = {};
  const listeners = {};
  let cur = null, agentName = "", botName = "Shop assistant", nobody = false, contactSent = false;
  let rule = null, proactiveOpen = null, unread = 0, ui = null, wantOpen = false;

  const emit = (n, d) => (listeners[n] || []).forEach(f => { try { f(d); } catch (e) { /* shop code */ } });
  // Every frame goes through one queue, drained at ≤ 10/s (the server allows ~20).
  const put = f => { if (q.push(f) > 200) q.shift(); flush(); }; // bounded while offline
  const ev = (name, props) => put({ type: "event", name, props: props || {} });
  function flush() {
    if (flushT || !ready) return;
    const now = Date.now();
    tokens = Math.min(10, tokens + (now - tokAt) / 100); tokAt = now;
    while (q.length && tokens >= 1) { ws.send(JSON.stringify(q.shift())); tokens--; }
    if (q.length) flushT = setTimeout(() => { flushT = 0; flush(); }, 120);
  }

  // ---- page facts ----
  let prod, lastHref = location.href, ref = D.referrer || undefined;
  const pageKey = () => location.href.replace(/#(?![!/]).*$/, ""); // hash routes count, anchors don't
  let lastKey = pageKey();
  const mq = s => matchMedia(s).matches;
  const device = () => mq("(max-width:767px)") ? "mobile" :
    mq("(max-width:1199px) and (pointer:coarse)") ? "tablet" : "desktop";
  function product() { // schema.org Product in JSON-LD, cached per page
    if (prod !== undefined) return prod;
    prod = null;
    D.querySelectorAll('script[type="application/ld+json"]').forEach(n => {
      let list;
      try { const d = JSON.parse(n.textContent); list = [].concat(d["@graph"] || d); } catch (e) { return; }
      list.forEach(p => {
        if (prod || !p || [].concat(p["@type"]).indexOf("Product") < 0) return;
        const o = [].concat(p.offers || [])[0] || {}, price = parseFloat(o.price != null ? o.price : o.lowPrice);
        const s = v => v == null ? undefined : String(typeof v === "object" ? v.name || "" : v);
        prod = { name: s(p.name), sku: s(p.sku), price: isNaN(price) ? undefined : price,
          currency: s(o.priceCurrency), category: s(p.category) };
      });
    });
    return prod;
  }
  const page = () => ({ url: location.href, title: D.title, referrer: ref, device: device(),
    language: navigator.language || undefined,
    type: product() ? "product" : /cart|basket|warenkorb/i.test(location.pathname) ? "cart" :
      /checkout|kasse/i.test(location.pathname) ? "checkout" : "other" });
  const sendProduct = () => { if (product()) ev("product_view", product()); };

  // ---- socket ----
  function hello() {
    const last = {};
    Object.keys(saved.convs).concat(Object.keys(seqs)).slice(-20).forEach(c => { last[c] = seqs[c] || 0; });
    // On a fresh page this tab has seen nothing yet (seq 0): the server replays the history.
    ws.send(JSON.stringify({ type: "hello", v: 1, visitor_id: saved.vid, session: saved.ses,
      last_seq: last, page: page() }));
  }
  function connect() {
    clearTimeout(retryT); retryT = 0;
    if (ws || stopped) return;
    let s;
    try { s = new WebSocket(wsUrl); } catch (e) { stopped = true; return; }
    ws = s;
    s.onopen = hello;
    s.onmessage = e => { let f; try { f = JSON.parse(e.data); } catch (x) { return; } onFrame(f); };
    s.onclose = e => {
      if (ws !== s) return;
      ws = null; ready = false;
      q = q.filter(f => f.type !== "message" && f.type !== "typing" && f.type !== "read"); // re-sent from outbox
      if (e.code === 1008 || (e.code >= 4000 && e.code < 5000)) { stopped = true; return; }
      const d = Math.min(30000, 500 * Math.pow(2, retry++) * (1 + Math.random()));
      retryT = setTimeout(connect, d);
    };
  }
  const soon = () => { if (!ws && !stopped) { retry = 0; connect(); } };

  function onFrame(f) {
    const c = f.conversation_id;
    switch (f.type) {
      case "welcome": {
        const a = f.appearance || {};
        if (saved.vid && saved.vid !== f.visitor_id) { saved.convs = {}; ui.clear(); }
        saved.vid = f.visitor_id; saved.ses = f.session;
        // Keep open conversations and the last closed one, so `last_seq` stays small.
        const keep = {}, list = f.conversations || [];
        let closed = null;
        list.forEach(x => {
          st[x.id] = x.state;
          if (x.state === "closed") closed = x.id; else { keep[x.id] = saved.convs[x.id] || 0; cur = x.id; }
        });
        if (closed && !cur) { keep[closed] = saved.convs[closed] || 0; cur = closed; }
        saved.convs = keep; saveNow();
        if (a.bot_name) botName = a.bot_name;
        ui.appearance(a);
        ready = true; retry = 0;
        q = Object.keys(outbox).map(k => outbox[k]).concat(q.filter(x => x.type !== "message")); // unacked first
        sendProduct(); flush();
        emit("ready", { visitor_id: f.visitor_id });
        break;
      }
      case "message": {
        if (seen[f.id]) return;
        seen[f.id] = 1;
        seqs[c] = Math.max(seqs[c] || 0, f.seq);
        saved.convs[c] = Math.max(saved.convs[c] || 0, f.seq); save();
        cur = c;
        const k = f.author && f.author.kind;
        if (k === "bot") { lastBot[c] = f.text; botName = f.author.name || botName; }
        if (k === "agent") { agentName = f.author.name || agentName; }
        if (k !== "shopper") other[c] = f.seq;
        ui.message(f, k !== "shopper" && k !== "system" && f.seq > (base0[c] || 0));
        emit("message", f);
        break;
      }
      case "ack":
        delete outbox[f.client_msg_id];
        seen[f.id] = 1;
        if (pend[f.client_msg_id]) { ui.sent(pend[f.client_msg_id], f); delete pend[f.client_msg_id]; }
        break;
      case "status":
        cur = c; st[c] = f.state;
        if (f.agent) agentName = f.agent;
        nobody = !!f.nobody_online;
        if (f.state !== "queued") contactSent = false;
        ui.status();
        break;
      case "typing": if (f.author && f.author.kind === "agent") ui.typing(f.active !== false && (f.author.name || T.agent)); break;
      case "read": ui.read(c, f.seq); break;
      case "proactive":
        rule = f.rule_id;
        if (f.open) { if (!ui.isOpen()) proactiveOpen = rule; ui.open(0); } else if (c && lastBot[c]) ui.teaser(lastBot[c]);
        emit("proactive", f);
        break;
      case "error":
        if (f.code === "bad_session") { // start afresh on the same socket, as the server asks
          delete saved.vid; delete saved.ses; saved.convs = {}; save(); ui.clear();
          Object.keys(seqs).forEach(k => delete seqs[k]); hello();
        } else if (f.code === "rate_limited") tokens = -10; // two quiet seconds
        else if (f.code === "internal") setTimeout(() => Object.keys(outbox).forEach(k => put(outbox[k])), 2000);
        emit("error", f);
    }
  }

  // ---- read marks: what an open, visible panel shows is read ----
  let readT = 0;
  const markRead = () => readT || (readT = setTimeout(() => {
    readT = 0;
    if (!ui || !ui.isOpen() || D.hidden || !ready) return;
    Object.keys(other).forEach(c => {
      if ((readSent[c] || 0) < seqs[c]) { readSent[c] = seqs[c]; put({ type: "read", conversation_id: c, seq: seqs[c] }); }
    });
  }, 400));

  // ---- UI in an open shadow root ----
  const STYLE = ":host{all:initial}" +
    "*{box-sizing:border-box;margin:0;padding:0;font:14px/1.4 system-ui,-apple-system,'Segoe UI',Arial,sans-serif;color:#1f2328;letter-spacing:normal;text-transform:none;text-align:left}" +
    "[hidden]{display:none!important}button{cursor:pointer;border:0;background:none}" +
    ":focus-visible{outline:3px solid #0969da;outline-offset:2px}header :focus-visible{outline-color:var(--f);outline-offset:-3px}.w{--a:#1f6feb;--f:#fff}" +
    "[data-role=launcher]{position:fixed;right:20px;bottom:20px;z-index:2147483000;width:56px;height:56px;border-radius:28px;background:var(--a);box-shadow:0 4px 14px rgba(0,0,0,.25);display:flex;align-items:center;justify-content:center}" +
    "svg{width:26px;height:26px;fill:var(--f)}" +
    ".n{position:absolute;top:-2px;right:-2px;min-width:20px;height:20px;border-radius:10px;padding:0 6px;background:#cf222e;color:#fff;font-size:12px;line-height:20px;text-align:center}" +
    "[data-role=teaser]{position:fixed;right:20px;bottom:88px;z-index:2147483000;display:flex;align-items:flex-start;gap:8px;width:280px;padding:12px;background:#fff;border-radius:12px;box-shadow:0 6px 24px rgba(0,0,0,.2)}" +
    "[data-role=teaser-text]{flex:1;max-height:104px;overflow:hidden;white-space:pre-wrap;overflow-wrap:anywhere}" +
    "[data-role=dismiss],header button{width:28px;height:28px;font-size:20px;line-height:28px;text-align:center;color:#57606a;border-radius:14px}" +
    "[data-role=panel]{position:fixed;right:20px;bottom:88px;z-index:2147483001;display:flex;flex-direction:column;width:360px;height:560px;max-height:calc(100vh - 108px);background:#fff;border-radius:12px;overflow:hidden;box-shadow:0 8px 30px rgba(0,0,0,.25)}" +
    "header{display:flex;align-items:center;padding:12px 12px 12px 16px;background:var(--a)}header b{flex:1;font-size:16px;font-weight:600;color:var(--f)}header button{color:var(--f)}" +
    "[data-role=status]{padding:8px 16px;font-size:13px;color:#57606a;background:#f6f8fa;border-bottom:1px solid #d0d7de}" +
    ".l{flex:1;overflow-y:auto;padding:8px 16px}.g{margin:8px 0;color:#57606a}" +
    "[data-kind]{margin:8px 0;max-width:85%}[data-kind=shopper]{margin-left:auto}" +
    "[data-role=author]{display:block;font-size:11px;color:#57606a;margin-bottom:2px}[data-kind=shopper] [data-role=author]{text-align:right}" +
    "[data-read] [data-role=author]::after{content:' · ' attr(data-read)}" +
    "[data-role=text]{padding:8px 12px;border-radius:12px;background:#eef1f4;white-space:pre-wrap;overflow-wrap:anywhere}" +
    "[data-kind=shopper] [data-role=text]{background:var(--a);color:var(--f)}[data-pending]{opacity:.6}" +
    "[data-kind=system]{max-width:100%}[data-kind=system] [data-role=author]{display:none}[data-kind=system] [data-role=text]{background:none;text-align:center;font-size:12px;color:#57606a}" +
    "[data-role=typing]{font-size:12px;font-style:italic;color:#57606a}" +
    "form{padding:8px 16px;border-top:1px solid #d0d7de}label{display:block;font-size:12px;color:#57606a;margin-bottom:4px}form div{display:flex;gap:8px}" +
    "input,textarea{flex:1;min-width:0;height:40px;padding:9px 10px;border:1px solid #d0d7de;border-radius:8px;background:#fff;resize:none}" +
    ".c{display:flex;gap:8px;padding:8px 12px 4px;border-top:1px solid #d0d7de;align-items:flex-end}textarea{max-height:120px}" +
    ".c button,form button{height:40px;padding:0 14px;border-radius:8px;background:var(--a);color:var(--f);font-weight:600}" +
    "[data-role=handoff]{align-self:center;margin:0 0 8px;padding:4px 8px;font-size:13px;color:#0969da;text-decoration:underline}" +
    "@media (max-width:480px){[data-role=panel]{top:0;left:0;right:0;bottom:0;width:auto;height:auto;max-height:none;border-radius:0}input,textarea{font-size:16px}}" +
    "@media (prefers-reduced-motion:no-preference){[data-role=panel],[data-role=teaser]{animation:u .18s ease-out}@keyframes u{from{opacity:0;transform:translateY(8px)}}}";
  const HTML = '<div class="w"><div data-role="teaser" hidden aria-live="polite"><button data-role="teaser-text"></button>' +
    '<button data-role="dismiss">×</button></div>' +
    '<div data-role="panel" role="dialog" aria-labelledby="t" hidden><header><b id="t"></b><button data-role="close">×</button></header>' +
    '<p data-role="status" role="status" hidden></p><div class="l"><p class="g" data-role="greeting" hidden></p>' +
    '<div data-role="messages" role="log" aria-live="polite"></div><p data-role="typing" hidden></p></div>' +
    '<form data-role="offline" hidden><label for="e"></label><div><input id="e" type="email" data-role="email" required autocomplete="email">' +
    '<button type="submit"></button></div></form>' +
    '<div class="c"><textarea data-role="input" rows="1" maxlength="4000"></textarea><button data-role="send"></button></div>' +
    '<button data-role="handoff"></button></div>' +
    '<button data-role="launcher" aria-expanded="false"><svg viewBox="0 0 24 24" aria-hidden="true">' +
    '<path d="M6 3h12a3 3 0 0 1 3 3v9a3 3 0 0 1-3 3h-8l-5 4v-4.2A3 3 0 0 1 3 15V6a3 3 0 0 1 3-3z"/></svg>' +
    '<span class="n" hidden></span></button></div>';

  function buildUi() {
    const host = D.createElement("div");
    host.id = "shopchat-root";
    host.style.cssText = "all:initial!important"; // the shop's CSS cannot reach or restyle the host
    const root = host.attachShadow({ mode: "open" });
    root.innerHTML = "<style>" + STYLE + "</style>" + HTML; // static markup only
    const $ = r => root.querySelector("[data-role=" + r + "]");
    const wrap = root.querySelector(".w"), launcher = $("launcher"), panel = $("panel"), list = $("messages"),
      input = $("input"), status = $("status"), typingEl = $("typing"), teaser = $("teaser"),
      form = $("offline"), email = $("email"), greet = $("greeting"), badge = root.querySelector(".n"),
      log = root.querySelector(".l");
    let typT = 0, typAt = 0, typStop = 0;
    const text = (el, s) => { el.textContent = s; };
    const isOpen = () => !panel.hidden;
    const scroll = () => { log.scrollTop = log.scrollHeight; };

    function labels() {
      launcher.setAttribute("aria-label", T.open);
      $("close").setAttribute("aria-label", T.close);
      $("dismiss").setAttribute("aria-label", T.dismiss);
      text(root.getElementById("t"), T.title);
      input.placeholder = T.ph; input.setAttribute("aria-label", T.ph);
      text($("send"), T.send); text($("handoff"), T.person);
      text(root.querySelector("label"), T.email); text(form.querySelector("button"), T.send);
      showStatus();
    }
    function showStatus() {
      const s = st[cur];
      const t = s === "queued" ? (contactSent ? T.thanks : nobody ? T.nobody : T.wait) :
        s === "assigned" ? T.with + (agentName || T.agent) :
        s === "bot" ? T.with + botName + " · " + T.bot : s === "closed" ? T.closed : "";
      text(status, t); status.hidden = !t;
      form.hidden = !(s === "queued" && nobody && !contactSent);
    }
    function add(kind, name, body) {
      const div = D.createElement("div"), a = D.createElement("span"), b = D.createElement("div");
      div.setAttribute("data-kind", kind);
      a.setAttribute("data-role", "author"); b.setAttribute("data-role", "text");
      text(a, name); text(b, body);
      div.append(a, b); list.append(div); scroll();
      return div;
    }
    function setUnread(n) { unread = n; text(badge, n > 9 ? "9+" : String(n)); badge.hidden = !n; }
    function open(focus) {
      const was = isOpen();
      panel.hidden = false; teaser.hidden = true;
      launcher.setAttribute("aria-expanded", "true");
      setUnread(0); scroll();
      if (focus) input.focus();
      try { sessionStorage.setItem(OPEN_KEY, "1"); } catch (e) { /* ignore */ }
      if (!was) { ev("widget_open"); emit("open"); }
      markRead();
    }
    function close(focusLauncher) {
      if (!isOpen()) return;
      panel.hidden = true;
      launcher.setAttribute("aria-expanded", "false");
      if (focusLauncher) launcher.focus();
      try { sessionStorage.removeItem(OPEN_KEY); } catch (e) { /* ignore */ }
      if (proactiveOpen) { ev("dismiss", { rule_id: proactiveOpen }); proactiveOpen = null; } // opened by a rule, left unanswered
      emit("close");
    }
    function stopTyping() {
      clearTimeout(typStop);
      if (typAt) { typAt = 0; if (ready) put({ type: "typing", active: false }); }
    }
    function say() {
      const body = input.value.trim();
      if (!body) return;
      input.value = ""; grow(); stopTyping();
      const cid = "m" + Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
      const el = add("shopper", T.you, body);
      el.setAttribute("data-pending", "");
      pend[cid] = el; outbox[cid] = { type: "message", client_msg_id: cid, text: body };
      proactiveOpen = null;
      put(outbox[cid]);
    }
    function grow() { input.style.height = "40px"; input.style.height = Math.min(input.scrollHeight + 2, 120) + "px"; }

    launcher.onclick = () => isOpen() ? close() : open(1);
    $("close").onclick = () => close(1);
    $("send").onclick = () => { say(); input.focus(); };
    $("handoff").onclick = () => { proactiveOpen = null; put({ type: "handoff" }); };
    $("teaser-text").onclick = () => open(1);
    $("dismiss").onclick = () => {
      teaser.hidden = true;
      if (rule) ev("dismiss", { rule_id: rule });
      launcher.focus();
    };
    panel.addEventListener("keydown", e => { if (e.key === "Escape") { e.stopPropagation(); close(1); } });
    input.addEventListener("keydown", e => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); say(); }
    });
    input.addEventListener("input", () => {
      grow();
      const n = Date.now();
      if (ready && n - typAt > 4000) { typAt = n; put({ type: "typing", active: true }); }
      clearTimeout(typStop); typStop = setTimeout(stopTyping, 5000);
    });
    form.addEventListener("submit", e => {
      e.preventDefault();
      const v = email.value.trim();
      if (!v || !email.checkValidity()) return;
      put({ type: "contact", email: v });
      contactSent = true; showStatus();
    });

    labels();
    D.body.append(host);
    return {
      isOpen, open, close, status: showStatus,
      clear() { list.textContent = ""; },
      appearance(a) {
        if (a.language) { pickLang(a.language); labels(); }
        if (a.color && W.CSS && W.CSS.supports("color", a.color)) {
          wrap.style.setProperty("--a", a.color);
          const h = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(a.color);
          if (h) { // dark text on a light accent
            const x = h[1].length === 3 ? h[1].replace(/./g, "$&$&") : h[1];
            const l = [0, 2, 4].reduce((s, i, j) => s + parseInt(x.substr(i, 2), 16) * [0.299, 0.587, 0.114][j], 0) / 255;
            wrap.style.setProperty("--f", l > 0.65 ? "#1f2328" : "#fff");
          }
        }
        text(greet, a.greeting || ""); greet.hidden = !a.greeting;
        showStatus();
      },
      message(m, counts) {
        const k = m.author && m.author.kind;
        let el = null;
        if (k === "shopper") { // our own message coming back before its ack: adopt the bubble
          const cid = Object.keys(pend).find(c => pend[c].lastChild.textContent === m.text);
          if (cid) { el = pend[cid]; delete pend[cid]; el.removeAttribute("data-pending"); }
        }
        if (!el) {
          el = add(k || "system", k === "shopper" ? T.you : k === "bot" ? (m.author.name || botName) + " · " + T.bot :
            m.author && m.author.name || "", m.text);
        }
        el.setAttribute("data-seq", m.seq); el.setAttribute("data-conv", m.conversation_id);
        if (k === "agent") ui.typing(false);
        if (counts && !isOpen()) setUnread(unread + 1);
        showStatus(); markRead();
      },
      sent(el, f) {
        el.removeAttribute("data-pending");
        el.setAttribute("data-seq", f.seq); el.setAttribute("data-conv", f.conversation_id);
      },
      read(c, seq) {
        list.querySelectorAll("[data-kind=shopper][data-conv='" + c + "']").forEach(el => {
          if (+el.getAttribute("data-seq") <= seq) el.setAttribute("data-read", T.seen);
        });
      },
      typing(name) {
        clearTimeout(typT);
        typingEl.hidden = !name;
        if (name) { text(typingEl, name + T.typing); scroll(); typT = setTimeout(() => { typingEl.hidden = true; }, 6000); }
      },
      teaser(s) {
        if (isOpen()) return;
        text($("teaser-text"), s); teaser.hidden = false;
      }
    };
  }

  // ---- page observers: SPA navigation, exit intent, idle, visibility, scroll depth ----
  let exitSent = false, depth = {}, navT = 0, scT = 0, lastAct = Date.now(), idleSent = false, idleT = 0;
  function nav() {
    clearTimeout(navT);
    navT = setTimeout(() => { // let the SPA update title and JSON-LD first
      const k = pageKey();
      if (k === lastKey) return;
      ref = lastHref; lastKey = k; lastHref = location.href;
      prod = undefined; exitSent = false; depth = {};
      ev("page_view", page()); sendProduct();
    }, 300);
  }
  function idleCheck() {
    const left = 60000 - (Date.now() - lastAct);
    if (left <= 0 && !D.hidden) { idleSent = true; ev("idle", { seconds: 60 }); } // act() re-arms
    else idleT = setTimeout(idleCheck, left > 0 ? left + 50 : 60000);
  }
  function observe() {
    ["pushState", "replaceState"].forEach(k => {
      const orig = history[k];
      history[k] = function () { const r = orig.apply(this, arguments); nav(); return r; };
    });
    W.addEventListener("popstate", nav);
    W.addEventListener("hashchange", nav);
    D.addEventListener("mouseout", e => {
      if (!exitSent && !e.relatedTarget && e.clientY <= 0 && device() === "desktop") {
        exitSent = true; ev("exit_intent");
      }
    });
    const act = () => {
      lastAct = Date.now();
      if (idleSent) { idleSent = false; clearTimeout(idleT); idleT = setTimeout(idleCheck, 60000); }
    };
    ["mousemove", "keydown", "pointerdown", "touchstart", "scroll", "wheel"].forEach(n =>
      W.addEventListener(n, act, { passive: true, capture: true }));
    idleT = setTimeout(idleCheck, 60000);
    D.addEventListener("visibilitychange", () => {
      ev("visibility", { state: D.visibilityState });
      if (D.hidden && saveT) saveNow();
      if (!D.hidden) { soon(); markRead(); }
    });
    W.addEventListener("scroll", () => {
      if (scT) return;
      scT = setTimeout(() => {
        scT = 0;
        const h = D.documentElement.scrollHeight, p = (W.scrollY + W.innerHeight + 2) / h * 100;
        [25, 50, 75, 100].forEach(d => { if (p >= d && !depth[d]) { depth[d] = 1; ev("scroll_depth", { percent: d }); } });
      }, 250);
    }, { passive: true });
    W.addEventListener("online", soon);
    W.addEventListener("storage", e => { // another tab of this shop changed the session or conversations
      if (e.key !== KEY) return;
      const n = load();
      if (n.vid) { saved.vid = n.vid; saved.ses = n.ses; }
      Object.keys(n.convs || {}).forEach(c => { saved.convs[c] = Math.max(saved.convs[c] || 0, n.convs[c]); });
    });
  }

  // ---- public API and start ----
  function api(cmd, a, b) {
    if (cmd === "on") (listeners[a] = listeners[a] || []).push(b);
    else if (cmd === "track") ev(String(a), b);
    else if (cmd === "cart") ev("cart_update", a);
    else if (cmd === "identify") {
      const p = Object.assign({}, a);
      if (p.user_id == null && p.id != null) p.user_id = p.id;
      delete p.id;
      if (p.user_id != null) p.user_id = String(p.user_id);
      ev("identify", p);
    } else if (cmd === "open") ui ? ui.open(1) : (wantOpen = true);
    else if (cmd === "close") ui ? ui.close() : (wantOpen = false);
  }
  api.v = 1;
  W.shopchat = api;
  ((old && old.q) || []).forEach(args => api.apply(null, args)); // calls made before we loaded, in order

  function start() {
    ui = buildUi();
    observe();
    let reopen = false;
    try { reopen = sessionStorage.getItem(OPEN_KEY) === "1"; } catch (e) { /* ignore */ }
    if (wantOpen) ui.open(1); else if (reopen) ui.open(0);
    connect();
  }
  const idle = f => W.requestIdleCallback ? requestIdleCallback(f, { timeout: 3000 }) : setTimeout(f, 200);
  if (D.readyState === "loading") D.addEventListener("DOMContentLoaded", () => idle(start));
  else idle(start);
})();
