// "Your profile": the signed-in account's own display name (what shoppers see as "You're
// chatting with …") and login email. Any agent or owner has it, on every shop.

import { h, field, showErrors, clearErrors } from '../dom.js';

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
  root.append(form);
}
