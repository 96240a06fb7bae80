// The reports page's CSAT part: the shoppers' ratings of closed chats (1 to 5 stars; CSAT is
// the share of 4s and 5s) in figures, per day as a chart, bot against people as bars, and per
// agent, team and trigger rule as tables.

import { h } from '../dom.js';
import { section } from './ui.js';
import { csatChart, horizontalBars, COLORS } from './chart.js';

const pct = (v) => (v === null || v === undefined ? '—' : `${v}%`);

/** The CSAT section of the site report (`report.csat`), or nothing from an older server. */
export function csatSection(csat) {
  if (!csat) return null;
  const t = csat.totals || {};
  const bot = csat.bot || {};
  const people = csat.people || {};
  return section('Shopper ratings (CSAT)',
    h('p', { class: 'hint', text: 'Shoppers rate a chat from 1 to 5 stars after it closes. CSAT is the share of 4 and 5 stars. A rating counts for the agent who last had the chat (bot only when no person did), the team it was sent to and the trigger rule whose message opened it.' }),
    h('div', { class: 'figures', 'data-role': 'csat-figures' },
      figure('CSAT', pct(t.csat), 'csat'),
      figure('Ratings', t.ratings ?? 0, 'ratings'),
      figure('Average stars', t.average ?? '—', 'average-stars'),
      figure('CSAT, bot only', pct(bot.csat), 'csat-bot'),
      figure('CSAT, with a person', pct(people.csat), 'csat-people')),
    h('div', { class: 'report-grid' },
      section('CSAT per day', csatChart(csat.days || [])),
      section('Bot vs people', horizontalBars('csat-bot-people', [
        { label: 'Bot only', value: bot.csat ?? 0, color: COLORS.muted },
        { label: 'With a person', value: people.csat ?? 0 },
      ], 'CSAT in percent'))),
    table('Per agent', 'csat-agents', 'Agent', (csat.agents || []).map((r) => [r.name, r])),
    table('Per team', 'csat-teams', 'Team', (csat.teams || []).map((r) => [r.team, r])),
    table('Per trigger rule', 'csat-rules', 'Rule', (csat.rules || []).map((r) => [r.name || r.rule_id, r])));
}

function figure(label, value, metric) {
  return h('div', { class: 'figure' },
    h('span', { class: 'figure-value', 'data-metric': metric, text: value }),
    h('span', { class: 'figure-label', text: label }));
}

function table(caption, role, first, rows) {
  if (!rows.length) return h('p', { class: 'owner-empty', 'data-role': role, text: `${caption}: no ratings in this period.` });
  return h('table', { class: 'data', 'data-role': role },
    h('caption', { class: 'hint', text: caption }),
    h('thead', {}, h('tr', {}, [first, 'Ratings', 'CSAT', 'Average'].map((c) => h('th', { scope: 'col', text: c })))),
    h('tbody', {}, rows.map(([name, r]) => h('tr', {},
      h('th', { scope: 'row', text: name }),
      h('td', { class: 'num', 'data-metric': 'ratings', text: r.ratings }),
      h('td', { class: 'num', 'data-metric': 'csat', text: pct(r.csat) }),
      h('td', { class: 'num', 'data-metric': 'average', text: r.average ?? '—' })))));
}
