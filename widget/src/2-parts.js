/* shopchat widget, part 2b: parts loaded when a chat needs them. The rating row of a closed
 * chat (widget/parts/rating.js), the pre-chat form (widget/parts/prechat.js), the background
 * tab's alerts (widget/parts/alerts.js), the email forms (widget/parts/email.js) and photos and
 * files (widget/parts/files.js) are not in
 * this script, which every page of the shop loads; each comes from the chat server the first
 * time a chat needs it (/widget/part/NAME.js, cached like this script) and is handed `core`,
 * the few things of this script it may use. src/build.rs wraps each part so that it hands
 * itself over with a `shopchat:part` event: no part needs a global.
 */

const parts = {}; // name → the promise of that part's functions
let prechatPart = null; // the pre-chat form's functions, once loaded for a site that asks it
let alertsPart = null; // the background tab's title count and tone, once a chat is under way
let emailPart = null; // the transcript and code forms, once loaded for a site that sends email
let filesPart = null; // photos and files, once loaded for a site that takes them
// What a part may use. `view` and `strings` change (the UI is built late, the language may
// change), so they are read when used.
const core = {
  chat, ownMessages, send, setText, showStatus, addStyle, emit, scrollToEnd, server: SERVER,
  get view() { return view; },
  get strings() { return strings; },
};

// Calls `use` with the part's functions once it is here. A part that fails to load (the
// server is away) is tried again the next time a chat needs it.
function withPart(name, use) {
  if (!parts[name]) {
    parts[name] = new Promise((resolve, reject) => {
      const arrived = e => {
        if (e.detail && e.detail.name === name) {
          document.removeEventListener("shopchat:part", arrived);
          resolve(e.detail.part(core));
        }
      };
      document.addEventListener("shopchat:part", arrived);
      const tag = document.createElement("script");
      tag.src = trusted("script", SERVER + "/widget/part/" + name + ".js");
      tag.onerror = () => {
        document.removeEventListener("shopchat:part", arrived);
        delete parts[name];
        reject();
      };
      (document.head || document.documentElement).append(tag);
    });
  }
  parts[name].then(use, () => {});
}

// A chat is under way (the shopper wrote, or came back to an open chat): answers may arrive
// while this tab is in the background, unless the site turned alerts off.
function loadAlerts() {
  if (chat.alerts) withPart("alerts", part => { alertsPart = part; });
}

// The one Trusted Types policy, "shopchat" (a page that lists its allowed policies adds
// `trusted-types shopchat`). It can only ever give our constant markup and the URLs of our
// own parts; without Trusted Types the values are used as they are.
let policy;
function trusted(kind, url) {
  if (policy === undefined) {
    policy = null;
    try {
      if (window.trustedTypes) {
        policy = trustedTypes.createPolicy("shopchat", {
          createHTML: () => HTML,
          createScriptURL: value => {
            if (value.indexOf(SERVER + "/widget/part/")) throw new TypeError("not a shopchat part");
            return value;
          },
        });
      }
    } catch (e) {
      console.warn("shopchat: add 'shopchat' to this page's trusted-types directive");
    }
  }
  if (kind === "html") return policy ? policy.createHTML("") : HTML;
  return policy ? policy.createScriptURL(url) : url;
}
