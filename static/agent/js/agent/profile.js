// "Your profile": the signed-in account's own display name (what shoppers see as "You're
// chatting with …"), picture (beside that line in the widget) and login email. Any agent or
// owner has it, on every shop.

import { h, field, showErrors, clearErrors } from '../dom.js';
import { csatChart } from '../owner/chart.js';

/** Mounts the form; `ctx.profileChanged(agent)` tells the shell (header name, `ctx.me`). */
export function mount(root, ctx) {
  const agent = ctx.me.agent;
  const name = h('input', { name: 'display_name', required: true, maxlength: 60, autocomplete: 'name', value: agent.display_name });
  const email = h('input', { name: 'email', type: 'email', required: true, autocomplete: 'username', value: agent.email });
  const password = h('input', { name: 'current_password', type: 'password', autocomplete: 'current-password' });
  // The password is only asked for when the email changes: a rename needs none.
  const passwordField = field('Current password', password, 'Needed to change your email.');
  const syncPassword = () => {
    const changing = email.value.trim().toLowerCase() !== ctx.me.agent.email;
    passwordField.hidden = !changing;
    password.required = changing;
  };
  email.addEventListener('input', syncPassword);
  const saved = h('p', { class: 'muted', 'data-role': 'profile-saved', role: 'status' });
  const form = h('form', { class: 'card profile', 'data-role': 'profile', onsubmit: async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    saved.textContent = '';
    const body = { display_name: name.value };
    if (!passwordField.hidden) Object.assign(body, { email: email.value, current_password: password.value });
    try {
      const answer = await ctx.api.patch('/me', body);
      ctx.profileChanged(answer.agent);
      name.value = answer.agent.display_name;
      email.value = answer.agent.email;
      password.value = '';
      syncPassword();
      saved.textContent = 'Saved. Shoppers see your new name from your next message.';
    } catch (e) {
      showErrors(form, e);
    }
  } },
  h('h1', { text: 'Your profile' }),
  field('Display name', name, 'Shoppers see it next to your messages: "You\'re chatting with …". Up to 60 characters.'),
  field('Email', email, 'What you sign in with.'),
  passwordField,
  h('p', { class: 'form-error', 'data-error-for': '*', role: 'alert', hidden: true }),
  h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', 'data-role': 'profile-save', text: 'Save' })),
  saved);
  syncPassword();
  root.append(form, avatarCard(ctx));
  if (ctx.site) root.append(ratingsCard(ctx));
}

/** The agent's own CSAT on this shop over 30 days, beside everyone's (owners see the whole
 *  breakdown under Reports). */
function ratingsCard(ctx) {
  const body = h('p', { class: 'muted', 'data-role': 'my-csat', text: 'Loading…' });
  const card = h('section', { class: 'card profile', 'data-role': 'my-ratings' },
    h('h2', { text: 'Your ratings' }), body);
  const pct = (c) => (c.csat === null ? '—' : `${c.csat}%`);
  ctx.api.get(`/sites/${ctx.site.id}/report/mine?days=30`).then((r) => {
    const mine = r.mine.totals;
    body.textContent = mine.ratings
      ? `Shoppers rated ${mine.ratings} of your chats on ${ctx.site.name} in the last 30 days: ${pct(mine)} gave 4 or 5 stars (average ${mine.average}). Everyone on this shop: ${pct(r.people)} of ${r.people.ratings}.`
      : `No ratings of your chats on ${ctx.site.name} in the last 30 days yet. Shoppers can rate a chat once it is closed.`;
    if (mine.ratings) card.append(csatChart(r.mine.days));
  }).catch((e) => { body.textContent = `Your ratings could not be loaded: ${e.message}`; });
  return card;
}

/** The picture shoppers see beside the agent's name: choose one (sent at once), or remove it. */
function avatarCard(ctx) {
  const preview = h('img', { class: 'avatar-preview', 'data-role': 'avatar-preview', alt: 'Your picture' });
  const status = h('p', { class: 'muted', role: 'status', 'data-role': 'avatar-status' });
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const remove = h('button', { type: 'button', 'data-role': 'avatar-remove', text: 'Remove picture', onclick: () => send(() => ctx.api.del('/me/avatar'), 'Picture removed.') });
  const show = (agent) => {
    preview.hidden = !agent.avatar;
    if (agent.avatar) preview.src = agent.avatar;
    remove.hidden = !agent.avatar;
  };
  const send = async (call, done) => {
    error.hidden = true;
    status.textContent = 'Saving…';
    try {
      const answer = await call();
      ctx.profileChanged(answer.agent);
      show(answer.agent);
      status.textContent = done;
    } catch (e) {
      status.textContent = '';
      error.textContent = e.message;
      error.hidden = false;
    }
  };
  const input = h('input', { type: 'file', accept: 'image/jpeg,image/png,image/webp', 'data-role': 'avatar-input',
    onchange: () => {
      const file = input.files[0];
      input.value = '';
      if (file) send(() => ctx.api.put('/me/avatar', file), 'Saved. Shoppers see it beside your name from your next chat on.');
    } });
  show(ctx.me.agent);
  return h('section', { class: 'card profile', 'data-role': 'avatar' },
    h('h2', { text: 'Your picture' }),
    h('p', { class: 'muted', text: 'Shoppers see it beside your name while you have their chat. JPEG, PNG or WebP, up to 512 KB; location data is removed.' }),
    h('div', { class: 'avatar-row' }, preview,
      h('label', { class: 'button' }, 'Choose a picture…', input), remove),
    status, error);
}
