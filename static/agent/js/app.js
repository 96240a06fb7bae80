// The dashboard shell: login, password change, the header (site, status, capacity,
// notifications, logout), hash routing between views, and the one agent socket every agent
// view shares. Views are ES modules exporting `mount(root, ctx)`, which may return a cleanup
// function; `ctx` is documented at `context()` below.

import { h, replace } from './dom.js';
import { api, session, whenUnauthorized, ApiError } from './api.js';
import { AgentSocket } from './socket.js';
import { Live } from './live.js';
import * as notify from './notify.js';

const SITE_KEY = 'shopchat.site';
const STATUS_KEY = 'shopchat.status';

/** Views by route name; `owner: true` ones only appear on sites the caller owns. */
const VIEWS = [
  { name: 'inbox', label: 'Inbox', load: () => import('./agent/inbox.js') },
  { name: 'visitors', label: 'Live visitors', load: () => import('./agent/visitors.js') },
  { name: 'profile', label: 'Your profile', load: () => import('./agent/profile.js') },
  { name: 'settings', label: 'Site settings', owner: true, load: () => import('./owner/settings.js') },
  { name: 'rules', label: 'Trigger rules', owner: true, load: () => import('./owner/rules.js') },
  { name: 'knowledge', label: 'Knowledge base', owner: true, load: () => import('./owner/articles.js') },
  { name: 'replies', label: 'Canned replies', owner: true, load: () => import('./owner/canned.js') },
  { name: 'agents', label: 'Agents', owner: true, load: () => import('./owner/agents.js') },
  { name: 'reports', label: 'Reports', owner: true, load: () => import('./owner/reports.js') },
  { name: 'webhooks', label: 'Webhooks', owner: true, load: () => import('./owner/webhooks.js') },
  { name: 'email', label: 'Email', owner: true, load: () => import('./owner/email.js') },
  { name: 'commerce', label: 'Shop data', owner: true, load: () => import('./owner/commerce.js') },
];

const app = document.getElementById('app');
let socket = null;
let live = null;
let me = null;          // {agent, memberships}
let sites = [];         // full site objects from GET /sites
let shell = null;       // header and view elements

whenUnauthorized(() => logout('Your session ended; please log in again.'));


async function boot() {
  if (!session.token) return showLogin();
  try {
    me = await api.get('/me');
  } catch (e) {
    if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
      if (e.code === 'password_change_required') return showPasswordChange();
      session.token = null;
      return showLogin();
    }
    return replace(app, h('p', { class: 'boot error', role: 'alert', text: `The server did not answer (${e.message}). Reload to try again.` }));
  }
  if (me.agent.must_change_password) return showPasswordChange();
  sites = (await api.get('/sites')).sites;
  startShell();
}

function showLogin(message) {
  const email = h('input', { name: 'email', type: 'email', autocomplete: 'username', required: true, autofocus: true });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const error = h('p', { class: 'form-error', role: 'alert', 'data-role': 'login-error', hidden: !message, text: message || '' });
  const form = h('form', { class: 'card login', 'data-role': 'login', onsubmit: async (ev) => {
    ev.preventDefault();
    error.hidden = true;
    try {
      const answer = await api.post('/auth/login', { email: email.value.trim(), password: password.value });
      session.token = answer.token;
      boot();
    } catch (e) {
      error.textContent = e.status === 401 ? 'Wrong email or password.' : e.message;
      error.hidden = false;
      password.select();
    }
  } },
  h('h1', { text: 'shopchat' }),
  h('p', { class: 'muted', text: 'Sign in to answer your shoppers.' }),
  h('label', { class: 'field' }, h('span', { class: 'field-label', text: 'Email' }), email),
  h('label', { class: 'field' }, h('span', { class: 'field-label', text: 'Password' }), password),
  error,
  h('button', { type: 'submit', class: 'primary', text: 'Sign in' }));
  replace(app, h('main', { class: 'center' }, form));
  email.focus();
}

function showPasswordChange() {
  const current = h('input', { name: 'current_password', type: 'password', autocomplete: 'current-password', required: true });
  const next = h('input', { name: 'new_password', type: 'password', autocomplete: 'new-password', required: true, minlength: 10, maxlength: 128 });
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const form = h('form', { class: 'card login', 'data-role': 'password-change', onsubmit: async (ev) => {
    ev.preventDefault();
    try {
      // The change revokes every earlier token, this one too: carry on with the new one.
      const changed = await api.post('/auth/password', { current_password: current.value, new_password: next.value });
      session.token = changed.token;
      boot();
    } catch (e) {
      error.textContent = e.message;
      error.hidden = false;
    }
  } },
  h('h1', { text: 'Choose your password' }),
  h('p', { class: 'muted', text: 'You signed in with a one-time password. Choose your own: 10 to 128 characters, hard to guess (a few uncommon words work well), not your email.' }),
  h('label', { class: 'field' }, h('span', { class: 'field-label', text: 'One-time password' }), current),
  h('label', { class: 'field' }, h('span', { class: 'field-label', text: 'New password' }), next),
  error,
  h('button', { type: 'submit', class: 'primary', text: 'Save and continue' }),
  h('button', { type: 'button', class: 'link', text: 'Log out', onclick: () => logout() }));
  replace(app, h('main', { class: 'center' }, form));
  current.focus();
}

/** Logs out: closes the socket and forgets the token. */
function logout(message) {
  // Logging out is leaving: say so, so routing stops sending chats at once.
  if (socket) socket.fire({ type: 'status', status: 'offline' });
  if (socket) socket.stop();
  sessionStorage.removeItem(STATUS_KEY);
  socket = null;
  live = null;
  unmount();
  session.token = null;
  notify.titleBadge(0);
  showLogin(message);
}

function currentSite() {
  const saved = sessionStorage.getItem(SITE_KEY);
  return sites.find((s) => s.id === saved) || sites[0] || null;
}

function isOwner(site) {
  return site && site.role === 'owner';
}

function startShell() {
  live = new Live();
  const connection = h('span', { class: 'connection', 'data-role': 'connection', role: 'status' });
  const status = h('select', { 'data-role': 'status', 'aria-label': 'Your status', onchange: () => setStatus(status.value) },
    h('option', { value: 'online', text: 'Online' }),
    h('option', { value: 'away', text: 'Away' }));
  const capacity = h('span', { class: 'capacity', 'data-role': 'capacity', title: 'Chats you have / chats routing gives you at most' });
  const bell = h('button', { type: 'button', class: 'ghost', 'data-role': 'enable-notifications', onclick: async () => {
    await notify.askPermission();
    drawBell();
  } });
  const siteSelect = h('select', { 'data-role': 'site', 'aria-label': 'Shop', onchange: () => {
    sessionStorage.setItem(SITE_KEY, siteSelect.value);
    drawNav();
    if (live) drawCapacity();
    route();
  } });
  const siteName = h('span', { class: 'site-name', 'data-role': 'site-name' });
  const site = currentSite();
  const nav = h('nav', { class: 'nav', 'aria-label': 'Sections' });
  const view = h('main', { id: 'view', class: 'view', tabindex: '-1' });
  const toasts = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite', 'data-role': 'toasts' });
  // The account's name, a way to its profile (where it is changed).
  const meName = h('a', { class: 'me', href: '#/profile', 'data-role': 'me', text: me.agent.display_name || me.agent.email });
  shell = { connection, status, capacity, bell, siteSelect, siteName, nav, view, toasts, meName };
  drawSites();
  replace(app,
    h('header', { class: 'topbar' },
      h('div', { class: 'topbar-row' },
        h('a', { class: 'brand', href: '#/inbox', text: 'shopchat' }),
        sites.length > 1 ? siteSelect : siteName,
        h('span', { class: 'spacer' }),
        connection, bell, capacity, status,
        meName,
        h('button', { type: 'button', class: 'ghost', 'data-role': 'logout', text: 'Log out', onclick: () => logout() })),
      nav),
    view, toasts);
  drawNav();
  drawBell();

  socket = new AgentSocket(session.token, {
    onFrame: (frame) => live.apply(frame),
    onState: (state) => {
      live.connection = state;
      connection.textContent = state === 'open' ? '' : state === 'connecting' ? 'Connecting…' : 'Reconnecting…';
      connection.dataset.state = state;
      live.emit('connection', state);
    },
    onRejected: () => logout('Your session ended; please log in again.'),
  });
  live.on('ready', () => {
    // A new socket (a reconnect, a server restart) starts online; the agent's own choice
    // of "away" outlives it.
    const wanted = sessionStorage.getItem(STATUS_KEY) || 'online';
    status.value = wanted;
    if (live.me.status !== wanted) setStatus(wanted);
    drawCapacity();
  });
  live.on('conversations', () => { drawCapacity(); drawBadge(); });
  live.on('routed', (frame) => {
    notify.chime();
    const who = visitorLabel(frame.conversation_id);
    toast(`A chat was routed to you${who ? ': ' + who : ''}.`, 'info', () => navigate(`#/inbox/${frame.conversation_id}`));
    notify.desktop('New chat for you', who || 'A shopper is waiting', () => navigate(`#/inbox/${frame.conversation_id}`));
    drawBadge();
  });
  live.on('alert', (frame) => {
    notify.chime();
    toast(frame.text || 'A trigger rule asks for your attention.', 'info', () => navigate('#/visitors'));
  });
  window.addEventListener('hashchange', route);
  route();
}

function visitorLabel(conversationId) {
  const c = live && live.conversations.get(conversationId);
  if (!c) return '';
  const v = live.visitors.get(c.visitor_id);
  return (v && v.name) || 'Visitor ' + c.visitor_id.slice(-6);
}

async function setStatus(value) {
  try {
    await socket.send({ type: 'status', status: value });
    sessionStorage.setItem(STATUS_KEY, value);
    if (live.me) live.me.status = value;
    shell.status.value = value;
  } catch (e) {
    toast(`Could not change status: ${e.message}`, 'error');
  }
}

/** Chats I have on the shop in view, out of what routing gives me there (capacity is per shop). */
function drawCapacity() {
  if (!live.me) return;
  const site = currentSite();
  const mine = live.sites.find((s) => site && s.id === site.id);
  if (!mine) { shell.capacity.textContent = ''; return; }
  const count = live.mine().filter((c) => c.site_id === mine.id).length;
  shell.capacity.textContent = `${count}/${mine.capacity} chats`;
}

function drawBadge() {
  if (!live || !live.me) return;
  const site = currentSite();
  let waiting = 0;
  for (const c of live.conversations.values()) {
    if (site && c.site_id !== site.id) continue;
    if (c.state === 'queued') waiting += 1;
    else if (c.state === 'assigned' && c.agent === live.me.id && (live.unread.get(c.id) || 0) > 0) waiting += 1;
  }
  notify.titleBadge(waiting);
}

/** The shop picker (or the one shop's name), after login and after an owner renames a site. */
function drawSites() {
  const site = currentSite();
  replace(shell.siteSelect, sites.map((s) => h('option', { value: s.id, text: s.name })));
  if (site) shell.siteSelect.value = site.id;
  shell.siteName.textContent = site ? site.name : 'No shop';
}

function drawBell() {
  const p = notify.permission();
  shell.bell.hidden = p === 'granted' || p === 'unsupported';
  shell.bell.textContent = p === 'denied' ? 'Notifications blocked' : 'Enable notifications';
  shell.bell.disabled = p === 'denied';
}

function drawNav() {
  const site = currentSite();
  const name = routeName();
  const views = VIEWS.filter((v) => !v.owner || isOwner(site));
  const links = [...shell.nav.children];
  // Rebuilt only when the sections change (another site): replacing the links on every
  // route would drop the keyboard focus from the link just pressed.
  if (links.map((a) => a.dataset.nav).join() !== views.map((v) => v.name).join()) {
    replace(shell.nav, views.map((v) => h('a', { href: `#/${v.name}`, 'data-nav': v.name, text: v.label })));
  }
  for (const a of shell.nav.children) {
    if (a.dataset.nav === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

function routeName() {
  const parts = location.hash.replace(/^#\/?/, '').split('/');
  return parts[0] || 'inbox';
}

/** Goes to a route (`#/inbox/conv_…`). */
export function navigate(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

/** The view on screen: its route key, and what it returned from `mount`. */
let mounted = { key: null, cleanup: null, update: null };
/** Counts mounts: a view whose module loads after a newer route began must not mount. */
let generation = 0;

async function route() {
  if (!shell) return;
  const parts = location.hash.replace(/^#\/?/, '').split('/');
  const name = parts[0] || 'inbox';
  const site = currentSite();
  const view = VIEWS.find((v) => v.name === name && (!v.owner || isOwner(site))) || VIEWS[0];
  drawNav();
  drawBadge();
  const key = `${view.name}|${site && site.id}`;
  // Same view, new arguments (another chat): the view updates itself instead of remounting.
  if (key === mounted.key && mounted.update) {
    mounted.update(parts.slice(1));
    return;
  }
  unmount();
  const mine = ++generation;
  mounted.key = key;
  replace(shell.view, h('p', { class: 'muted', text: 'Loading…' }));
  try {
    const module = await view.load();
    // A newer route started while this module loaded (a chat opened right after the login's
    // inbox, say): the key can be the same, so only the generation tells.
    if (generation !== mine) return;
    shell.view.replaceChildren();
    const result = module.mount(shell.view, context(site, parts.slice(1)));
    if (typeof result === 'function') mounted.cleanup = result;
    else if (result) Object.assign(mounted, { cleanup: result.cleanup || null, update: result.update || null });
  } catch (e) {
    console.warn(e);
    replace(shell.view, h('p', { class: 'error', role: 'alert', text: `This page could not be shown: ${e.message}` }));
  }
}

function unmount() {
  if (mounted.cleanup) mounted.cleanup();
  mounted = { key: null, cleanup: null, update: null };
}

/**
 * What every view gets:
 * - `api`: the REST client (`api.get('/sites/ID/rules')`, throws `ApiError` with `field`).
 * - `site`: the shop chosen in the header (`id`, `name`, `public_key`, `origins`, `role`,
 *   `identity_secret` for owners); `sites`: all of the caller's.
 * - `me`: `{agent, memberships}` from `GET /me`.
 * - `live`: the live state from the agent socket (see live.js); `socket`: send commands.
 * - `args`: route segments after the view name (`#/inbox/conv_1` → `['conv_1']`).
 * - `toast(text, kind)`, `navigate(hash)`, `refreshSites()` (after a site change),
 *   `profileChanged(agent)` (after `PATCH /me`: the header shows the new name).
 */
function context(site, args) {
  return {
    api, site, sites, me, live, socket, args, toast, navigate,
    profileChanged: (agent) => {
      me.agent = agent;
      shell.meName.textContent = agent.display_name || agent.email;
    },
    refreshSites: async () => {
      sites = (await api.get('/sites')).sites;
      drawSites();
      return currentSite();
    },
  };
}

/** A short message at the bottom of the page; with `onClick` it is a button. */
export function toast(text, kind = 'info', onClick) {
  if (!shell) return;
  const node = onClick
    ? h('button', { type: 'button', class: `toast ${kind}`, 'data-role': 'toast', text, onclick: () => { onClick(); node.remove(); } })
    : h('div', { class: `toast ${kind}`, 'data-role': 'toast', text });
  shell.toasts.append(node);
  setTimeout(() => node.remove(), kind === 'error' ? 10000 : 6000);
}

boot();
