// Reports for owners: chats per day, why chats went to people, how fast people answered,
// AI drafts made and the messages sent from them (unchanged or edited), the shoppers' ratings
// (CSAT, in csat.js), and per trigger rule the funnel (fired → opened → replied → converted) of visitors who were
// shown the rule against the held-out control group, with the uplift between them.

import { h, replace, duration } from '../dom.js';
import { pageHeader, section } from './ui.js';
import { perDayChart, horizontalBars, funnelChart, COLORS } from './chart.js';
import { csatSection } from './csat.js';

const PERIODS = [7, 14, 30, 90];
const REASONS = [
  ['shopper_asked', 'Shopper asked'], ['bot_missed', 'Bot could not answer'],
  ['trigger', 'Trigger rule'], ['external_bot', 'External bot'],
  ['order_help', 'Order help'],
];
const PERIOD_KEY = 'shopchat.report-days';

export function mount(root, ctx) {
  const period = h('select', { name: 'days', 'data-role': 'period', 'aria-label': 'Period' },
    PERIODS.map((d) => h('option', { value: String(d), text: `Last ${d} days` })));
  period.value = sessionStorage.getItem(PERIOD_KEY) || '30';
  const overview = h('div', { class: 'owner-page-part' });
  const rules = h('div', { class: 'rule-reports', 'data-role': 'rule-reports' });
  const status = h('p', { class: 'hint', role: 'status', 'aria-live': 'polite' });
  replace(root, h('div', { class: 'owner-page', 'data-page': 'reports', 'data-role': 'report' },
    pageHeader('Reports', h('label', { class: 'check' }, h('span', { class: 'field-label', text: 'Period' }), period)),
    status, overview,
    section('Trigger rules: shown vs held out', h('p', { class: 'hint', text: 'Visitors held out (each rule\'s holdout %) are counted but shown nothing; the uplift is the difference between the two groups\' conversion rates. Counts are since the rule was created.' }), rules)));
  let generation = 0;

  async function load() {
    const mine = ++generation;
    sessionStorage.setItem(PERIOD_KEY, period.value);
    status.textContent = 'Loading…';
    try {
      const report = await ctx.api.get(`/sites/${ctx.site.id}/report?days=${period.value}`);
      if (mine !== generation) return;
      drawOverview(overview, report);
      drawRules(rules, report.rules || []);
      status.textContent = report.from && report.to ? `From ${day(report.from)} to ${day(report.to)}.` : '';
    } catch (e) {
      if (mine !== generation) return;
      // The site report is newer than the per-rule one: without it, still show the funnels.
      replace(overview, h('p', { class: 'error card', role: 'alert', 'data-role': 'report-error',
        text: e.status === 404 || e.status === 405
          ? 'The site report (chats, handoffs, response times) is not available on this server yet. Rule funnels below come from each rule\'s own report.'
          : `Could not load the report: ${e.message}.` }));
      status.textContent = '';
      drawRules(rules, await ruleReportsFallback(ctx));
    }
  }
  period.addEventListener('change', load);
  load();
}

function drawOverview(node, report) {
  const totals = report.totals || { conversations: 0, bot_only: 0, with_agent: 0 };
  const first = report.first_response || { count: 0, median_ms: null, p90_ms: null };
  const reasons = report.handoff_reasons || {};
  const ms = (v) => (v === null || v === undefined ? '—' : duration(v) || '0s');
  replace(node, h('div', { class: 'owner-page' },
    h('div', { class: 'figures', 'data-role': 'figures' },
      figure('Conversations', totals.conversations, 'conversations'),
      figure('Bot only', totals.bot_only, 'bot-only'),
      figure('With a person', totals.with_agent, 'with-agent'),
      figure('First response, median', ms(first.median_ms), 'first-response-median'),
      figure('First response, 90th percentile', ms(first.p90_ms), 'first-response-p90'),
      figure('Chats with a first response', first.count, 'first-response-count')),
    h('div', { class: 'report-grid' },
      section('Chats per day', legend([[COLORS.primary, 'Conversations'], [COLORS.secondary, 'Handed to a person']]), perDayChart(report.days || [])),
      section('Why chats went to people', horizontalBars('handoff', REASONS.map(([key, label]) => ({ label, value: reasons[key] || 0 })), 'Handoff reasons'))),
    csatSection(report.csat),
    aiDrafts(report.ai_drafts)));
}

/** Model drafts made and the agents' messages sent from them, in figures and per day. */
function aiDrafts(drafts) {
  if (!drafts) return null;
  const t = drafts.totals || {};
  const active = (drafts.days || []).filter((d) => d.drafted || d.sent_unchanged || d.sent_edited).reverse();
  const table = active.length
    ? h('table', { class: 'data', 'data-role': 'ai-draft-days' },
      h('caption', { class: 'hint', text: 'Days with AI drafts, newest first' }),
      h('thead', {}, h('tr', {}, ['Day', 'Drafted', 'Sent unchanged', 'Sent edited'].map((c) => h('th', { scope: 'col', text: c })))),
      h('tbody', {}, active.map((d) => h('tr', { 'data-date': d.date },
        h('th', { scope: 'row', text: d.date }),
        h('td', { class: 'num', 'data-metric': 'drafted', text: d.drafted }),
        h('td', { class: 'num', 'data-metric': 'sent-unchanged', text: d.sent_unchanged }),
        h('td', { class: 'num', 'data-metric': 'sent-edited', text: d.sent_edited })))))
    : h('p', { class: 'owner-empty', text: 'No AI drafts in this period.' });
  return section('AI drafts',
    h('p', { class: 'hint', text: 'Drafts the language model wrote for agents (on request or automatically) and the messages agents sent from them. Keyword suggestions are not counted.' }),
    h('div', { class: 'figures', 'data-role': 'ai-draft-figures' },
      figure('Drafts made', t.drafted ?? 0, 'ai-drafted'),
      figure('Sent from a draft', t.sent ?? 0, 'ai-sent'),
      figure('Sent unchanged', t.sent_unchanged ?? 0, 'ai-sent-unchanged'),
      figure('Sent edited', t.sent_edited ?? 0, 'ai-sent-edited')),
    table);
}

/** A date the server sent as "YYYY-MM-DD" or as ms since the epoch. */
function day(value) {
  return typeof value === 'number' ? new Date(value).toLocaleDateString() : String(value);
}

function figure(label, value, metric) {
  return h('div', { class: 'figure' },
    h('span', { class: 'figure-value', 'data-metric': metric, text: value ?? '—' }),
    h('span', { class: 'figure-label', text: label }));
}

function legend(items) {
  return h('div', { class: 'legend', 'aria-hidden': 'true' },
    items.map(([color, label]) => h('span', {}, swatch(color), label)));
}

/** A colour key; an SVG square because inline styles are not allowed by the page's CSP. */
function swatch(color) {
  return h('svg:svg', { class: 'swatch', viewBox: '0 0 10 10' }, h('svg:rect', { width: 10, height: 10, rx: 2, fill: color }));
}

/** Per-rule funnels from each rule's own report, for servers without the site report. */
async function ruleReportsFallback(ctx) {
  try {
    const { rules } = await ctx.api.get(`/sites/${ctx.site.id}/rules`);
    return await Promise.all(rules.map(async (r) => {
      const rep = await ctx.api.get(`/sites/${ctx.site.id}/rules/${r.id}/report`);
      return { rule_id: r.id, name: r.name, enabled: r.enabled !== false, shown: rep.shown, held_out: rep.held_out, uplift: rep.uplift };
    }));
  } catch {
    return null;
  }
}

function drawRules(node, list) {
  if (list === null) {
    replace(node, h('p', { class: 'error', role: 'alert', text: 'Could not load the rule reports.' }));
    return;
  }
  if (!list.length) {
    replace(node, h('p', { class: 'owner-empty', text: 'No trigger rules yet.' }));
    return;
  }
  replace(node, list.map(ruleReport));
}

const STAGES = ['fired', 'opened', 'replied', 'converted'];
const rate = (r) => (r === null || r === undefined ? '—' : `${(r * 100).toFixed(1)}%`);

function ruleReport(r) {
  const shown = r.shown || {};
  const held = r.held_out || {};
  const uplift = r.uplift;
  const upliftText = uplift === null || uplift === undefined
    ? 'not measurable yet (needs firings in both groups)'
    : `${uplift >= 0 ? '+' : '−'}${Math.abs(uplift * 100).toFixed(1)} percentage points`;
  return h('section', { class: 'card rule-report', 'data-role': 'rule-report', 'data-rule-id': r.rule_id },
    h('h3', {}, r.name, r.enabled === false ? h('span', { class: 'pill', text: 'off' }) : null),
    legend([[COLORS.primary, 'Shown'], [COLORS.muted, 'Held out']]),
    funnelChart(shown, held),
    h('table', { class: 'data' },
      h('caption', { class: 'hint', text: `Funnel of ${r.name}` }),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'Stage' }), h('th', { scope: 'col', text: 'Shown' }), h('th', { scope: 'col', text: 'Held out' }))),
      h('tbody', {},
        STAGES.map((s) => h('tr', {}, h('th', { scope: 'row', text: s }),
          h('td', { class: 'num', 'data-metric': s, text: shown[s] ?? 0 }),
          h('td', { class: 'num', 'data-metric': `held-out-${s}`, text: held[s] ?? 0 }))),
        h('tr', {}, h('th', { scope: 'row', text: 'conversion rate' }),
          h('td', { class: 'num', 'data-metric': 'conversion-rate', text: rate(shown.conversion_rate) }),
          h('td', { class: 'num', 'data-metric': 'held-out-conversion-rate', text: rate(held.conversion_rate) })))),
    h('p', {}, 'Uplift: ', h('strong', { 'data-metric': 'uplift', class: uplift > 0 ? 'uplift-pos' : uplift < 0 ? 'uplift-neg' : '', text: upliftText })));
}
