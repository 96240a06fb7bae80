/* shopchat widget (foundation): connects the page to the chat server, reports page views,
 * and shows a small chat box. Text is always rendered as text (textContent), never HTML.
 * Embedded by the server and served as /widget.js; no build step. */
(function () {
  "use strict";
  if (window.__shopchatLoaded) return;
  window.__shopchatLoaded = true;

  var script = document.currentScript || document.querySelector("script[data-site]");
  if (!script) return;
  var siteKey = script.getAttribute("data-site");
  var base = new URL(script.src, location.href);
  var wsUrl = (base.protocol === "https:" ? "wss://" : "ws://") + base.host +
    "/ws/shopper?site=" + encodeURIComponent(siteKey);
  var storeKey = "shopchat:" + siteKey;

  function load() {
    try { return JSON.parse(localStorage.getItem(storeKey)) || {}; } catch (e) { return {}; }
  }
  function save() {
    try { localStorage.setItem(storeKey, JSON.stringify(saved)); } catch (e) { /* private mode */ }
  }
  var saved = load();
  saved.lastSeq = saved.lastSeq || {};

  var ws = null, ready = false, retry = 0, pending = [], listeners = {}, seen = {};

  function emit(name, data) {
    (listeners[name] || []).forEach(function (fn) { try { fn(data); } catch (e) { /* shop code */ } });
  }
  function send(frame) {
    if (ws && ready) ws.send(JSON.stringify(frame)); else pending.push(frame);
  }
  function product() {
    // schema.org Product in JSON-LD, as most shop systems print it.
    var nodes = document.querySelectorAll('script[type="application/ld+json"]');
    for (var i = 0; i < nodes.length; i++) {
      try {
        var data = JSON.parse(nodes[i].textContent), list = [].concat(data["@graph"] || data);
        for (var j = 0; j < list.length; j++) {
          var p = list[j];
          if (p && p["@type"] === "Product") {
            var offer = [].concat(p.offers || [])[0] || {};
            var price = parseFloat(offer.price);
            return { sku: p.sku ? String(p.sku) : undefined, name: p.name ? String(p.name) : undefined,
              price: isNaN(price) ? undefined : price, category: p.category ? String(p.category) : undefined };
          }
        }
      } catch (e) { /* not our JSON */ }
    }
    return null;
  }
  function page() {
    var p = { url: location.href, title: document.title, referrer: document.referrer || null,
      device: matchMedia("(max-width: 767px)").matches ? "mobile" : "desktop",
      language: navigator.language || undefined };
    if (product()) p.type = "product";
    return p;
  }
  function pageSeen() {
    var found = product();
    if (found) send({ type: "event", name: "product_view", props: found });
  }
  var proactiveRule = null;

  function connect() {
    ws = new WebSocket(wsUrl);
    ws.onopen = function () {
      ws.send(JSON.stringify({ type: "hello", v: 1, visitor_id: saved.visitorId, session: saved.session,
        last_seq: saved.lastSeq, page: page() }));
    };
    ws.onmessage = function (ev) {
      var f; try { f = JSON.parse(ev.data); } catch (e) { return; }
      if (f.type === "welcome") {
        // Keep read positions only for the conversations the server still offers, so the
        // next hello stays within the server's limit on resumed conversations.
        var kept = {};
        if (saved.visitorId === f.visitor_id) {
          (f.conversations || []).forEach(function (c) {
            if (saved.lastSeq[c.id] !== undefined) kept[c.id] = saved.lastSeq[c.id];
          });
        }
        saved.lastSeq = kept;
        saved.visitorId = f.visitor_id; saved.session = f.session; save();
        ready = true; retry = 0;
        while (pending.length) ws.send(JSON.stringify(pending.shift()));
        pageSeen();
        emit("ready", { visitor_id: f.visitor_id });
      } else if (f.type === "message") {
        if (seen[f.id]) return;
        seen[f.id] = true;
        saved.lastSeq[f.conversation_id] = Math.max(saved.lastSeq[f.conversation_id] || 0, f.seq); save();
        ui.add(f);
        emit("message", f);
      } else if (f.type === "proactive") {
        proactiveRule = f.rule_id;
        if (f.open) ui.open();
        emit("proactive", f);
      } else if (f.type === "error") {
        if (f.code === "bad_session") { delete saved.visitorId; delete saved.session; save(); ws.close(); }
        emit("error", f);
      }
    };
    ws.onclose = function () {
      ready = false;
      var delay = Math.min(30000, 500 * Math.pow(2, retry++)) * (0.5 + Math.random());
      setTimeout(connect, delay);
    };
  }

  var ui = (function () {
    var host = document.createElement("div");
    host.style.cssText = "position:fixed;right:16px;bottom:16px;z-index:2147483000;";
    var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
    var style = document.createElement("style");
    style.textContent = ":host{all:initial}*{box-sizing:border-box;font:14px/1.4 system-ui,sans-serif}" +
      ".wrap{display:flex;flex-direction:column;align-items:flex-end;gap:8px}" +
      "button.open{border:0;border-radius:24px;padding:12px 18px;background:#1f6feb;color:#fff;cursor:pointer}" +
      ".box{display:none;width:320px;height:420px;background:#fff;border:1px solid #ccd;border-radius:12px;" +
      "flex-direction:column;box-shadow:0 8px 24px rgba(0,0,0,.15)}.box.on{display:flex}" +
      ".log{flex:1;overflow:auto;padding:10px}.m{margin:6px 0;padding:6px 10px;border-radius:10px;" +
      "background:#eef;max-width:85%;white-space:pre-wrap;word-wrap:break-word}.m.me{margin-left:auto;background:#dbeafe}" +
      ".who{display:block;font-size:11px;color:#556}form{display:flex;border-top:1px solid #ccd}" +
      "input{flex:1;border:0;padding:10px}form button{border:0;background:none;color:#1f6feb;padding:0 12px}";
    var box = document.createElement("div"); box.className = "box";
    var log = document.createElement("div"); log.className = "log";
    var form = document.createElement("form");
    var input = document.createElement("input"); input.placeholder = "Type a message"; input.maxLength = 4000;
    var sendBtn = document.createElement("button"); sendBtn.textContent = "Send";
    form.appendChild(input); form.appendChild(sendBtn);
    box.appendChild(log); box.appendChild(form);
    var openBtn = document.createElement("button"); openBtn.className = "open"; openBtn.textContent = "Chat with us";
    openBtn.onclick = function () {
      var opening = !box.classList.contains("on");
      box.classList.toggle("on");
      if (opening) send({ type: "event", name: "widget_open", props: {} });
      else if (proactiveRule) { send({ type: "event", name: "dismiss", props: { rule_id: proactiveRule } }); proactiveRule = null; }
    };
    form.onsubmit = function (e) {
      e.preventDefault();
      var text = input.value.trim(); if (!text) return;
      input.value = "";
      send({ type: "message", client_msg_id: "m" + Date.now().toString(36) + Math.random().toString(36).slice(2, 8), text: text });
    };
    var wrap = document.createElement("div"); wrap.className = "wrap";
    wrap.appendChild(box); wrap.appendChild(openBtn);
    root.appendChild(style); root.appendChild(wrap);
    function mount() { document.body.appendChild(host); }
    if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
    return {
      add: function (m) {
        var div = document.createElement("div");
        div.className = "m" + (m.author.kind === "shopper" ? " me" : "");
        var who = document.createElement("span"); who.className = "who";
        who.textContent = m.author.kind === "shopper" ? "You" :
          m.author.kind === "bot" ? m.author.name + " (bot)" : m.author.name;
        div.appendChild(who);
        div.appendChild(document.createTextNode(m.text));
        log.appendChild(div); log.scrollTop = log.scrollHeight;
      },
      open: function () { box.classList.add("on"); },
      close: function () { box.classList.remove("on"); }
    };
  })();

  function api(cmd) {
    var args = Array.prototype.slice.call(arguments, 1);
    if (cmd === "track") send({ type: "event", name: args[0], props: args[1] || {} });
    else if (cmd === "cart") send({ type: "event", name: "cart_update", props: args[0] || {} });
    else if (cmd === "identify") send({ type: "event", name: "identify", props: args[0] || {} });
    else if (cmd === "open") ui.open();
    else if (cmd === "close") ui.close();
    else if (cmd === "on") (listeners[args[0]] = listeners[args[0]] || []).push(args[1]);
  }
  var queued = (window.shopchat && window.shopchat.q) || [];
  window.shopchat = api;
  queued.forEach(function (a) { api.apply(null, a); });

  var lastUrl = location.href;
  function spaNavigation() {
    if (location.href === lastUrl) return;
    lastUrl = location.href;
    send({ type: "event", name: "page_view", props: page() });
    pageSeen();
  }
  ["pushState", "replaceState"].forEach(function (k) {
    var orig = history[k];
    history[k] = function () { var r = orig.apply(this, arguments); spaNavigation(); return r; };
  });
  window.addEventListener("popstate", spaNavigation);
  connect();
})();
