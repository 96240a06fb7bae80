// Shop data for owners: the push API's keys (a new key's secret is shown once, here, and
// never again), the Shopify and WooCommerce secrets that sign their webhooks (written, never
// read back: the page only says whether each is set), and the webhook URLs to paste into the
// platforms. Every value is set as text; nothing here is HTML.

import { h, replace } from '../dom.js';
import { pageHeader, section, formError, showApiError, clearErrors, confirmDialog, labelled, checkbox, splitList, busy, loading, failed } from './ui.js';

export function mount(root, ctx) {
  const site = ctx.site;
  const keys = h('div');
  const secrets = h('div');
  replace(root, h('div', { class: 'owner-page', 'data-page': 'commerce' },
    pageHeader('Shop data'),
    section('Webhook URLs', urls(site)),
    section('Platform secrets', secrets),
    section('Push API keys', keys)));
  drawKeys(keys, ctx);
  drawSecrets(secrets, ctx);
}

function urls(site) {
  const row = (platform, path, hint) => h('div', { class: 'field' },
    h('span', { class: 'field-label', text: platform }),
    h('code', { class: 'snippet', 'data-role': `hook-url-${platform.toLowerCase()}`, text: `${location.origin}${path}` }),
    h('span', { class: 'hint', text: hint }));
  return h('div', {},
    row('Shopify', `/hooks/shopify/${site.id}`, 'Subscribe your app to orders/*, fulfillments/*, refunds/create and customers/* with this URL (JSON).'),
    row('WooCommerce', `/hooks/woocommerce/${site.id}`, 'WooCommerce → Settings → Advanced → Webhooks: one webhook per topic (Order created/updated, Customer created/updated), this Delivery URL, API version 3.'),
    row('Push API', '/api/v1/commerce/orders/{id}', 'Your own back end: PUT customers, orders and parcels with a key below (Authorization: Bearer shk_…).'));
}

async function drawSecrets(node, ctx) {
  const path = `/sites/${ctx.site.id}/commerce/settings`;
  loading(node);
  let current;
  try { current = await ctx.api.get(path); } catch (e) { failed(node, 'the shop data settings', e); return; }
  const state = (set) => (set ? 'set' : 'not set — webhooks are refused');
  const shopify = h('input', { name: 'shopify_secret', type: 'password', autocomplete: 'off', placeholder: current.shopify_secret_set ? 'set (type to replace)' : 'Shopify app client secret' });
  const woo = h('input', { name: 'woocommerce_secret', type: 'password', autocomplete: 'off', placeholder: current.woocommerce_secret_set ? 'set (type to replace)' : 'WooCommerce webhook secret' });
  const days = h('input', { name: 'stuck_after_days', type: 'number', min: 1, max: 365, value: String(current.stuck_after_days) });
  const selfService = checkbox('Order self-service in the widget', { name: 'self_service', checked: current.self_service });
  const vipTags = h('input', { name: 'vip_tags', value: (current.vip_tags || []).join(', '), placeholder: 'vip' });
  const vipSpent = h('input', { name: 'vip_total_spent', inputmode: 'decimal', value: current.vip_total_spent == null ? '' : String(current.vip_total_spent), placeholder: 'no threshold' });
  const save = h('button', { type: 'submit', class: 'primary', text: 'Save' });
  const form = h('form', { 'data-role': 'commerce-settings', novalidate: true, onsubmit: (ev) => {
    ev.preventDefault();
    busy(save, async () => {
      clearErrors(form);
      const change = {
        stuck_after_days: Number(days.value),
        self_service: selfService.querySelector('input').checked,
        vip_tags: splitList(vipTags.value),
        // Sent as text: money stays an exact decimal; an empty box removes the threshold.
        vip_total_spent: vipSpent.value.trim() === '' ? null : vipSpent.value.trim(),
      };
      // Only what was typed is sent: an empty box keeps the stored secret.
      if (shopify.value.trim()) change.shopify_secret = shopify.value.trim();
      if (woo.value.trim()) change.woocommerce_secret = woo.value.trim();
      try {
        await ctx.api.put(path, change);
        ctx.toast('Shop data settings saved.');
        drawSecrets(node, ctx);
      } catch (e) { showApiError(form, e); }
    });
  } },
  labelled(`Shopify client secret (${state(current.shopify_secret_set)})`, shopify, 'Shopify admin → Apps → your custom app → API credentials → Client secret.'),
  labelled(`WooCommerce secret (${state(current.woocommerce_secret_set)})`, woo, 'The Secret field of each WooCommerce webhook; use the same one for all of them.'),
  labelled('Days before an order counts as stuck', days, 'No parcel movement for this long sends the shopper to a person.'),
  h('div', { class: 'field' }, selfService,
    h('span', { class: 'hint', text: 'The bot answers "Where is my order?" from your orders; shoppers can look one up and ask for a return or cancellation (always handled by a person).' })),
  labelled('Valued customers: shop tags', vipTags, 'Comma-separated. Chats of customers with one of these tags are tagged vip and served first.'),
  labelled('Valued customers: total spent at least', vipSpent, 'In the customer\'s currency; leave empty for no threshold.'),
  formError(), save);
  replace(node, form);
}

async function drawKeys(node, ctx) {
  const base = `/sites/${ctx.site.id}/api-keys`;
  const list = h('tbody');
  const shown = h('div', { 'aria-live': 'polite', 'data-role': 'new-key' });
  const name = h('input', { name: 'name', required: true, maxlength: 80, placeholder: 'ERP sync' });
  const create = h('button', { type: 'submit', class: 'primary', text: 'Create key' });
  const form = h('form', { 'data-role': 'key-form', novalidate: true, onsubmit: (ev) => {
    ev.preventDefault();
    busy(create, async () => {
      clearErrors(form);
      try {
        const key = await ctx.api.post(base, { name: name.value.trim() });
        name.value = '';
        replace(shown, h('div', { class: 'one-time' },
          h('p', { text: 'Copy this secret now: it is not shown again.' }),
          h('code', { class: 'secret', 'data-role': 'key-secret', text: key.secret })));
        load();
      } catch (e) { showApiError(form, e); }
    });
  } }, labelled('Name', name, 'What the key is for, so you can tell keys apart.'), formError(), create);
  replace(node, h('div', { class: 'table-wrap' },
    h('table', { class: 'data', 'data-role': 'api-keys' },
      h('thead', {}, h('tr', {}, ['Name', 'Key', 'Created', ''].map((t) => h('th', { scope: 'col', text: t })))),
      list)), form, shown);

  async function load() {
    try {
      const keys = (await ctx.api.get(base)).api_keys;
      if (!keys.length) { replace(list, h('tr', {}, h('td', { colspan: 4, class: 'owner-empty', text: 'No keys yet.' }))); return; }
      replace(list, keys.map((k) => h('tr', { dataset: { keyId: k.id } },
        h('td', { text: k.name }),
        h('td', {}, h('code', { text: `${k.prefix}…` })),
        h('td', { text: new Date(k.created_at).toLocaleString() }),
        h('td', {}, h('button', { type: 'button', class: 'danger', text: 'Revoke', onclick: async () => {
          if (!(await confirmDialog(`Revoke “${k.name}”? Systems using it stop at once.`, 'Revoke'))) return;
          try { await ctx.api.del(`${base}/${k.id}`); load(); } catch (e) { ctx.toast(e.message, 'error'); }
        } })))));
    } catch (e) { failed(list, 'the API keys', e); }
  }
  load();
}
