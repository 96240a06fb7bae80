// The site's people: who can answer chats, their role, how many chats routing gives them at
// once, their skills (teams), and whether they are online. Owners invite, edit and remove.

import { h, replace } from '../dom.js';
import { pageHeader, section, formError, errorSlot, showApiError, clearErrors, confirmDialog, labelled, splitList, busy, failed } from './ui.js';

export function mount(root, ctx) {
  const base = `/sites/${ctx.site.id}/agents`;
  let agents = [];
  const body = h('tbody');
  const table = h('div', { class: 'table-wrap' },
    h('table', { class: 'data agents-table', 'data-role': 'agents' },
      h('thead', {}, h('tr', {}, ['Name', 'Email', 'Role', 'Capacity', 'Skills', 'Status', ''].map((t) => h('th', { scope: 'col', text: t })))),
      body));
  const listBox = h('div', {}, table);
  const oneTime = h('div', { 'aria-live': 'polite' });
  replace(root, h('div', { class: 'owner-page', 'data-page': 'agents' },
    pageHeader('Agents'),
    section('People on this shop', h('p', { class: 'hint', text: 'Capacity is how many chats routing gives someone at once (1–50); skills route chats of a team (e.g. "returns") to the people who have it.' }), listBox),
    section('Invite someone', inviteForm(ctx, base, oneTime, (agent) => { load(); return agent; }), oneTime)));

  function draw() {
    if (!agents.length) {
      replace(body, h('tr', {}, h('td', { colspan: 7, class: 'owner-empty', text: 'Nobody yet.' })));
      return;
    }
    replace(body, agents.map((a) => agentRow(ctx, base, a, { onRemoved: () => { agents = agents.filter((x) => x.id !== a.id); draw(); } })));
  }

  async function load() {
    try {
      agents = (await ctx.api.get(base)).agents;
      draw();
    } catch (e) { failed(listBox, 'the agents', e); }
  }

  // Presence frames keep the status column live without refetching the list.
  const off = ctx.live.on('presence', (frame) => {
    if (frame.site_id && frame.site_id !== ctx.site.id) return;
    const cell = body.querySelector(`tr[data-agent-id="${CSS.escape(frame.agent_id)}"] [data-role=agent-status]`);
    if (cell) drawStatus(cell, frame.status);
  });
  replace(body, h('tr', {}, h('td', { colspan: 7, class: 'muted', text: 'Loading…' })));
  load();
  return off;
}

function drawStatus(cell, status) {
  replace(cell, h('span', { class: 'status-dot', 'data-status': status, 'aria-hidden': 'true' }), status || 'offline');
}

/** One agent as a table row with inline role/capacity/skills editing. */
function agentRow(ctx, base, agent, { onRemoved }) {
  const who = agent.name || agent.email;
  const role = h('select', { name: 'role', 'aria-label': `Role of ${who}` }, h('option', { value: 'agent', text: 'Agent' }), h('option', { value: 'owner', text: 'Owner' }));
  role.value = agent.role;
  const capacity = h('input', { name: 'capacity', type: 'number', min: 1, max: 50, value: agent.capacity, 'aria-label': `Capacity of ${who}` });
  const skills = h('input', { name: 'skills', value: (agent.skills || []).join(', '), placeholder: 'returns, de', 'aria-label': `Skills of ${who}` });
  const save = h('button', { type: 'button', class: 'primary', 'data-role': 'save-agent', text: 'Save', disabled: true });
  const status = h('td', { 'data-role': 'agent-status', 'data-label': 'Status' });
  drawStatus(status, agent.status);
  const row = h('tr', { 'data-agent-id': agent.id },
    h('td', { 'data-label': 'Name', text: agent.name || '—' }),
    h('td', { 'data-label': 'Email', text: agent.email }),
    h('td', { 'data-label': 'Role' }, role, errorSlot('role')),
    h('td', { 'data-label': 'Capacity' }, capacity, errorSlot('capacity')),
    h('td', { 'data-label': 'Skills' }, skills, errorSlot('skills')),
    status,
    h('td', { class: 'row-actions' },
      h('div', { class: 'actions' }, save,
        h('button', { type: 'button', class: 'danger', 'data-role': 'remove-agent', text: 'Remove', 'aria-label': `Remove ${who}`, onclick: () => remove() })),
      errorSlot('*')));
  // Save lights up only when something changed, so an unchanged row cannot be "saved".
  const dirty = () => { save.disabled = role.value === agent.role && Number(capacity.value) === agent.capacity && skills.value === (agent.skills || []).join(', '); };
  for (const input of [role, capacity, skills]) input.addEventListener('input', dirty);
  role.addEventListener('change', dirty);
  save.addEventListener('click', () => busy(save, async () => {
    clearErrors(row);
    const change = { capacity: Number(capacity.value), skills: splitList(skills.value) };
    if (role.value !== agent.role) change.role = role.value;
    try {
      const saved = await ctx.api.patch(`${base}/${agent.id}`, change);
      Object.assign(agent, { capacity: change.capacity, skills: change.skills }, change.role ? { role: change.role } : {}, saved || {});
      ctx.toast(`Saved ${who}.`);
    } catch (e) { showApiError(row, e); }
  }).then(dirty));

  async function remove() {
    if (!(await confirmDialog(`Remove ${who} from ${ctx.site.name}? Their open chats go back to the queue.`, 'Remove'))) return;
    try {
      await ctx.api.del(`${base}/${agent.id}`);
      ctx.toast(`Removed ${who}.`);
      onRemoved();
    } catch (e) {
      ctx.toast(e.status === 404 || e.status === 405 ? 'Removing people is not available on this server yet.' : `Could not remove ${who}: ${e.message}`, 'error');
    }
  }
  return row;
}

/** The invite form; shows the new account's one-time password once in `oneTime`. */
function inviteForm(ctx, base, oneTime, onInvited) {
  const f = {
    name: h('input', { name: 'name', autocomplete: 'off', placeholder: 'Ann Example', required: true }),
    email: h('input', { name: 'email', type: 'email', autocomplete: 'off', placeholder: 'ann@shop.example', required: true }),
    role: h('select', { name: 'role' }, h('option', { value: 'agent', text: 'Agent — answers chats' }), h('option', { value: 'owner', text: 'Owner — also runs this console' })),
    capacity: h('input', { name: 'capacity', type: 'number', min: 1, max: 50, value: 3 }),
    skills: h('input', { name: 'skills', placeholder: 'returns, de' }),
  };
  const send = h('button', { type: 'submit', class: 'primary', text: 'Invite' });
  const form = h('form', { 'data-role': 'invite', novalidate: true, onsubmit: (ev) => {
    ev.preventDefault();
    busy(send, async () => {
      // The last one-time password stays up until the next invite succeeds: it is shown once.
      clearErrors(form);
      const body = { name: f.name.value.trim(), email: f.email.value.trim(), role: f.role.value,
        capacity: Number(f.capacity.value) || undefined, skills: splitList(f.skills.value) };
      try {
        const answer = await ctx.api.post(base, body);
        showOneTime(oneTime, answer, body);
        form.reset();
        f.capacity.value = 3;
        onInvited(answer.agent);
      } catch (e) {
        // Until the server has the invite route it answers 404/405 without a field.
        if ((e.status === 404 || e.status === 405) && !e.field) e.message = 'Inviting people is not available on this server yet; ask your administrator to run `shopchat agent create`.';
        showApiError(form, e);
      }
    });
  } },
  h('div', { class: 'owner-row' }, labelled('Name', f.name), labelled('Email', f.email)),
  h('div', { class: 'owner-row' }, labelled('Role', f.role), labelled('Capacity', f.capacity, 'Chats at once, 1–50.'), labelled('Skills', f.skills, 'Comma-separated.')),
  formError(), send);
  return form;
}

function showOneTime(box, answer, body) {
  // The server answers alike whether or not the email already has an account (it does not
  // tell another shop's owner who has one), so the hint covers both.
  const who = (answer.agent && (answer.agent.name || answer.agent.email)) || body.email;
  replace(box, h('div', { class: 'one-time', role: 'status' },
    h('p', {}, `One-time password for ${who}: `, h('code', { 'data-role': 'one-time-password', text: answer.one_time_password })),
    h('p', { class: 'hint', text: 'It is shown only now. Pass it on securely (in person or a password manager, not in the same email as the address); they choose their own password when they first sign in. If they already have a shopchat account, they sign in with their own password instead and this one does nothing.' })));
}
