/* Demo shop: a cart in localStorage that tells the chat widget about every change. */
(function () {
  "use strict";
  var KEY = "demo-shop-cart";
  var CURRENCY = "EUR";

  function read() {
    try { return JSON.parse(localStorage.getItem(KEY)) || []; } catch (e) { return []; }
  }
  function total(items) {
    var sum = 0;
    items.forEach(function (i) { sum += i.price * i.qty; });
    return Math.round(sum * 100) / 100;
  }
  function write(items) {
    localStorage.setItem(KEY, JSON.stringify(items));
    // The widget API: the whole cart on every change.
    shopchat("cart", { total: total(items), currency: CURRENCY, items: items.map(function (i) {
      return { sku: i.sku, qty: i.qty, price: i.price, name: i.name };
    }) });
    render();
  }
  function render() {
    var items = read(), count = 0;
    items.forEach(function (i) { count += i.qty; });
    var badge = document.getElementById("cart-count");
    if (badge) badge.textContent = String(count);
  }

  window.demoShop = {
    currency: CURRENCY,
    items: read,
    total: function () { return total(read()); },
    add: function (product) {
      var items = read(), found = null;
      items.forEach(function (i) { if (i.sku === product.sku) found = i; });
      if (found) found.qty += 1;
      else items.push({ sku: product.sku, name: product.name, price: product.price, qty: 1 });
      write(items);
    },
    remove: function (sku) {
      write(read().filter(function (i) { return i.sku !== sku; }));
    },
    clear: function () { write([]); }
  };

  // Product pages: the "Add to cart" button reads the product from the page's JSON-LD,
  // the same data the widget reads.
  function pageProduct() {
    var node = document.querySelector('script[type="application/ld+json"]');
    if (!node) return null;
    var p = JSON.parse(node.textContent);
    return { sku: p.sku, name: p.name, price: parseFloat(p.offers.price) };
  }
  // "Sign in" as the demo customer: the page identifies her with the HMAC the shop's server
  // computed (here: the demo page's, filled in per request), so the chat can show her orders.
  var ACCOUNT = "demo-shop-signed-in";
  function account() {
    var meta = document.querySelector('meta[name="demo-customer"]');
    var parts = meta ? meta.content.split(":") : [];
    return parts.length === 2 ? { user_id: parts[0], hash: parts[1], name: "Dana Demo" } : null;
  }
  function signIn() {
    var who = account();
    var header = document.querySelector("header");
    if (!who || !header) return;
    var link = document.createElement("a");
    link.href = "#";
    link.id = "demo-account";
    if (localStorage.getItem(ACCOUNT) === "1") {
      link.textContent = "Signed in as Dana";
      shopchat("identify", who);
    } else {
      link.textContent = "Sign in as Dana (demo customer)";
      link.addEventListener("click", function (e) {
        e.preventDefault();
        localStorage.setItem(ACCOUNT, "1");
        location.reload();
      });
    }
    header.insertBefore(link, header.lastElementChild);
  }

  document.addEventListener("DOMContentLoaded", function () {
    render();
    signIn();
    var buy = document.querySelector("button.buy");
    if (buy) buy.addEventListener("click", function () {
      var product = pageProduct();
      if (product) window.demoShop.add(product);
      buy.textContent = "Added \u2713";
    });
  });
})();
