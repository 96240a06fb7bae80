/* shopchat widget, part 3 of 6: the page — facts about the shop's page (type, device,
 * schema.org product) and observers that turn what the shopper does into events for the
 * trigger rules.
 */

// ---- Page facts ----

// Hash routes (#/cart, #!/cart) are pages; plain anchors (#reviews) are not.
function pageKey() {
  return location.href.replace(/#(?![!/]).*$/, "");
}
// A URL as it may leave the page: only the kept query parameters, and of the fragment only a
// single-page app's route (#/cart, #!/cart) without its own query. Anything unparsable stays
// home.
function reportedUrl(href) {
  let url;
  try {
    url = new URL(href);
  } catch (e) {
    return undefined;
  }
  const kept = new URLSearchParams();
  url.searchParams.forEach((value, name) => {
    if (KEEP_PARAMS.includes(name)) kept.append(name, value);
  });
  const route = /^#[!\/][^?]*/.exec(url.hash); // "\/": the build's minifier ends a regex at a bare "/"
  url.search = kept.toString();
  url.hash = route ? route[0] : "";
  return url.href;
}

const page = {
  href: location.href,
  key: pageKey(),
  referrer: reportedUrl(document.referrer),
  product: undefined, // undefined: not looked for yet on this page; null: none
  navigationTimer: 0,
};

function mediaMatches(query) {
  return matchMedia(query).matches;
}
function deviceType() {
  if (mediaMatches("(max-width:767px)")) return "mobile";
  if (mediaMatches("(max-width:1199px) and (pointer:coarse)")) return "tablet";
  return "desktop";
}
// A schema.org value as text: names of nested objects, undefined when absent.
function asText(value) {
  if (value == null) return undefined;
  return String(typeof value === "object" ? value.name || "" : value);
}
function describeProduct(item) {
  const offer = [].concat(item.offers || [])[0] || {};
  const price = parseFloat(offer.price != null ? offer.price : offer.lowPrice);
  return {
    name: asText(item.name), sku: asText(item.sku), price: isNaN(price) ? undefined : price,
    currency: asText(offer.priceCurrency), category: asText(item.category),
  };
}
// The first schema.org Product in the page's JSON-LD, looked for once per page.
function pageProduct() {
  if (page.product !== undefined) return page.product;
  page.product = null;
  document.querySelectorAll('script[type="application/ld+json"]').forEach(node => {
    let items;
    try {
      const data = JSON.parse(node.textContent);
      items = [].concat(data["@graph"] || data);
    } catch (e) {
      return; // the shop's broken JSON-LD is not our error
    }
    items.forEach(item => {
      if (page.product || !item || [].concat(item["@type"]).indexOf("Product") < 0) return;
      page.product = describeProduct(item);
    });
  });
  return page.product;
}
function pageType() {
  if (pageProduct()) return "product";
  if (/cart|basket|warenkorb/i.test(location.pathname)) return "cart";
  if (/checkout|kasse/i.test(location.pathname)) return "checkout";
  return "other";
}
function describePage() {
  return {
    url: reportedUrl(location.href), title: document.title, referrer: page.referrer,
    device: deviceType(),
    language: navigator.language || undefined, type: pageType(),
  };
}
function sendProductView() {
  if (pageProduct()) track("product_view", pageProduct());
}

// ---- Page observers ----
// What the shopper does on the shop's page, as events for the trigger rules.

const activity = {
  exitIntentSent: false, // once per page
  scrollDepthsSent: {}, // 25, 50, 75, 100: once each per page
  scrollTimer: 0,
  lastAt: Date.now(),
  idleSent: false,
  idleTimer: 0,
};
const IDLE_AFTER_MS = 60000;

// Single-page apps: a new URL is a new page once the app has updated title and JSON-LD.
function onNavigation() {
  clearTimeout(page.navigationTimer);
  page.navigationTimer = setTimeout(() => {
    const key = pageKey();
    if (key === page.key) return;
    page.referrer = reportedUrl(page.href);
    page.key = key;
    page.href = location.href;
    page.product = undefined;
    activity.exitIntentSent = false;
    activity.scrollDepthsSent = {};
    track("page_view", describePage());
    sendProductView();
  }, 300);
}
function watchNavigation() {
  ["pushState", "replaceState"].forEach(method => {
    const original = history[method];
    history[method] = function () {
      const result = original.apply(this, arguments);
      onNavigation();
      return result;
    };
  });
  window.addEventListener("popstate", onNavigation);
  window.addEventListener("hashchange", onNavigation);
}

// The pointer leaves through the top of the window (desktops only).
function watchExitIntent() {
  document.addEventListener("mouseout", e => {
    if (!activity.exitIntentSent && !e.relatedTarget && e.clientY <= 0 && deviceType() === "desktop") {
      activity.exitIntentSent = true;
      track("exit_intent");
    }
  });
}

// One idle event after a minute without input in a visible tab; the next input re-arms it.
function checkIdle() {
  const left = IDLE_AFTER_MS - (Date.now() - activity.lastAt);
  if (left <= 0 && !document.hidden) {
    activity.idleSent = true;
    track("idle", { seconds: 60 });
  } else {
    activity.idleTimer = setTimeout(checkIdle, left > 0 ? left + 50 : IDLE_AFTER_MS);
  }
}
function watchIdle() {
  const onActivity = () => {
    activity.lastAt = Date.now();
    if (activity.idleSent) {
      activity.idleSent = false;
      clearTimeout(activity.idleTimer);
      activity.idleTimer = setTimeout(checkIdle, IDLE_AFTER_MS);
    }
  };
  ["mousemove", "keydown", "pointerdown", "touchstart", "scroll", "wheel"].forEach(name =>
    window.addEventListener(name, onActivity, { passive: true, capture: true }));
  activity.idleTimer = setTimeout(checkIdle, IDLE_AFTER_MS);
}

function watchVisibility() {
  document.addEventListener("visibilitychange", () => {
    track("visibility", { state: document.visibilityState });
    if (document.hidden && storeTimer) storeNow();
    if (!document.hidden) {
      reconnectNow();
      markReadSoon();
    }
  });
}

function watchScrollDepth() {
  window.addEventListener("scroll", () => {
    if (activity.scrollTimer) return;
    activity.scrollTimer = setTimeout(() => {
      activity.scrollTimer = 0;
      const height = document.documentElement.scrollHeight;
      const percent = (window.scrollY + window.innerHeight + 2) / height * 100;
      [25, 50, 75, 100].forEach(depth => {
        if (percent >= depth && !activity.scrollDepthsSent[depth]) {
          activity.scrollDepthsSent[depth] = 1;
          track("scroll_depth", { percent: depth });
        }
      });
    }, 250);
  }, { passive: true });
}

// Another tab of this shop changed the session or saw newer messages: adopt them.
function watchOtherTabs() {
  window.addEventListener("storage", e => {
    if (e.key !== STORAGE_KEY) return;
    const theirs = loadStored();
    if (theirs.vid) {
      stored.vid = theirs.vid;
      stored.ses = theirs.ses;
    }
    Object.keys(theirs.convs || {}).forEach(id => {
      stored.convs[id] = Math.max(stored.convs[id] || 0, theirs.convs[id]);
    });
  });
}

function observePage() {
  watchNavigation();
  watchExitIntent();
  watchIdle();
  watchVisibility();
  watchScrollDepth();
  window.addEventListener("online", reconnectNow);
  watchOtherTabs();
}

