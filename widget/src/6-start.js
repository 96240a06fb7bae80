/* shopchat widget, part 6 of 6: the public API and the start. Runs last, when every other
 * part has defined its state.
 */

// ---- Public API and start ----

// shopchat('identify', {id | user_id, email, name, hash}): user_id goes out as a string.
function identify(traits) {
  const profile = Object.assign({}, traits);
  if (profile.user_id == null && profile.id != null) profile.user_id = profile.id;
  delete profile.id;
  if (profile.user_id != null) profile.user_id = String(profile.user_id);
  // The shop knows who this is: the pre-chat form would only ask it again.
  if (profile.user_id != null || profile.email) chat.identified = true;
  track("identify", profile);
}

// window.shopchat(command, ...): the one function shops call.
// Unknown commands do nothing, so a typo in a shop's page cannot break it.
function api(command, a, b) {
  switch (command) {
    case "on": (listeners[a] = listeners[a] || []).push(b); break;
    case "track": track(String(a), b); break;
    case "cart": track("cart_update", a); break;
    case "identify": identify(a); break;
    case "consent": setConsent(a); break;
    case "language": // the shop's choice: shown at once, and the server told (the bot's language)
      language.wanted = primaryTag(a);
      useLanguage(a);
      helloAgain();
      break;
    // Before the UI exists (it is built when the page is idle), remember the wish for start().
    case "open": if (view) openPanel(true); else chat.wantOpen = true; break;
    case "close": if (view) closePanel(false); else chat.wantOpen = false; break;
  }
}
api.v = 1;
api[MARK] = true; // marks the real widget, so a second copy of the script steps aside
if (!globalTaken) window.shopchat = api;
// Calls made before we loaded, in their order.
((snippetStub && snippetStub.q) || []).forEach(args => api.apply(null, args));

// The shop's language, else the one the server chose last time, else the browser's: its
// strings are fetched now, while the page loads, and start() waits for them (a second at most).
useLanguage(language.wanted || stored.lang || browserLanguages()[0]);

function start() {
  Promise.race([language.loading, new Promise(done => setTimeout(done, 1000))]).then(startNow);
}
function startNow() {
  buildUi();
  observePage();
  let reopen = false;
  try {
    reopen = sessionStorage.getItem(OPEN_KEY) === "1";
  } catch (e) { /* storage blocked: start closed */ }
  if (chat.wantOpen) openPanel(true);
  else if (reopen) openPanel(false);
  connect();
}

// Never compete with the shop's own loading: build the UI and connect when the page is idle.
function whenIdle(fn) {
  if (window.requestIdleCallback) requestIdleCallback(fn, { timeout: 3000 });
  else setTimeout(fn, 200);
}
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => whenIdle(start));
else whenIdle(start);
