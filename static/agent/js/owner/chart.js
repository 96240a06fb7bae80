// Small SVG charts for the reports page, drawn with svg() (no library): vertical bars per
// day, horizontal bars per category, and a grouped funnel. Each chart scales to its box,
// has axes and labels, a <title> and aria-label carrying the numbers for screen readers, and
// stays readable when every value is zero.

import { svg } from '../dom.js';

export const COLORS = { primary: '#2563eb', secondary: '#c2410c', muted: '#8d98aa' };

/** A round axis maximum ≥ `max` (at least 1, so all-zero data still has a scale). */
function niceMax(max) {
  if (max <= 1) return 1;
  const step = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * step >= max) return m * step;
  return 10 * step;
}

/** Whole-number ticks from 0 to `top` (up to 5 of them). */
function ticks(top) {
  const step = top <= 5 ? 1 : top / 5;
  const out = [];
  for (let v = 0; v <= top + 1e-9; v += step) out.push(Math.round(v * 100) / 100);
  return out;
}

function frame(kind, width, height, label) {
  return svg('svg', { class: 'chart', 'data-chart': kind, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label, preserveAspectRatio: 'xMidYMid meet' },
    svg('title', { text: label }));
}

function text(x, y, content, attrs = {}) {
  return svg('text', { x, y, ...attrs, text: content });
}

/** Y axis with grid lines; returns the nodes and the value → y mapping. */
function yAxis(left, top, bottom, right, max) {
  const scale = (v) => bottom - (v / max) * (bottom - top);
  const nodes = ticks(max).map((t) => [
    svg('line', { class: t === 0 ? 'axis' : 'grid', x1: left, x2: right, y1: scale(t), y2: scale(t) }),
    text(left - 6, scale(t) + 4, String(t), { 'text-anchor': 'end' }),
  ]);
  return { nodes, scale };
}

/**
 * Bars per day: `days` [{date, conversations, handed_off}]; each day's bar is its
 * conversations, with the handed-off part drawn over it in the second colour.
 */
export function perDayChart(days) {
  const W = 640, H = 240, left = 40, right = W - 22, top = 14, bottom = H - 34;
  const total = days.reduce((s, d) => s + d.conversations, 0);
  const handed = days.reduce((s, d) => s + d.handed_off, 0);
  const label = `Chats per day, ${days.length} days: ${total} conversations, ${handed} handed to a person. `
    + days.map((d) => `${d.date}: ${d.conversations} (${d.handed_off} handed off)`).join('; ');
  const chart = frame('per-day', W, H, label);
  const max = niceMax(Math.max(0, ...days.map((d) => d.conversations)));
  const axis = yAxis(left, top, bottom, right, max);
  chart.append(...axis.nodes.flat());
  const slot = (right - left) / Math.max(days.length, 1);
  const bar = Math.max(2, slot * 0.7);
  // Label at most ~10 dates so they never overlap, always including the last day.
  const every = Math.ceil(days.length / 10);
  days.forEach((d, i) => {
    const x = left + i * slot + (slot - bar) / 2;
    chart.append(
      svg('rect', { x, y: axis.scale(d.conversations), width: bar, height: bottom - axis.scale(d.conversations), fill: COLORS.primary },
        svg('title', { text: `${d.date}: ${d.conversations} conversations, ${d.handed_off} handed off` })),
      svg('rect', { x, y: axis.scale(d.handed_off), width: bar, height: bottom - axis.scale(d.handed_off), fill: COLORS.secondary }));
    const last = days.length - 1;
    if (i === last || (i % every === 0 && last - i >= every / 2)) {
      chart.append(text(x + bar / 2, bottom + 16, d.date.slice(5), { 'text-anchor': 'middle' }));
    }
  });
  if (total === 0) chart.append(text((left + right) / 2, (top + bottom) / 2, 'No chats in this period', { 'text-anchor': 'middle', class: 'value-label' }));
  return chart;
}

/** Horizontal bars: `items` [{label, value}], with the value at each bar's end. */
export function horizontalBars(kind, items, title) {
  const W = 360, rowH = 32, left = 140, right = W - 40, top = 8;
  const H = top + items.length * rowH + 24;
  const label = `${title}: ${items.map((i) => `${i.label} ${i.value}`).join(', ')}`;
  const chart = frame(kind, W, H, label);
  const max = niceMax(Math.max(0, ...items.map((i) => i.value)));
  const scale = (v) => (v / max) * (right - left);
  const bottom = top + items.length * rowH;
  chart.append(svg('line', { class: 'axis', x1: left, x2: left, y1: top, y2: bottom }),
    svg('line', { class: 'axis', x1: left, x2: right, y1: bottom, y2: bottom }),
    text(left, bottom + 16, '0', { 'text-anchor': 'middle' }),
    text(right, bottom + 16, String(max), { 'text-anchor': 'middle' }));
  items.forEach((item, i) => {
    const y = top + i * rowH + 7;
    chart.append(
      text(left - 8, y + 14, item.label, { 'text-anchor': 'end' }),
      svg('rect', { x: left, y, width: Math.max(scale(item.value), item.value ? 2 : 0), height: rowH - 14, fill: item.color || COLORS.primary }),
      text(left + scale(item.value) + 6, y + 14, String(item.value), { class: 'value-label' }));
  });
  return chart;
}

const STAGES = ['fired', 'opened', 'replied', 'converted'];

/** A funnel fired → opened → replied → converted, shown and held-out groups side by side. */
export function funnelChart(shown, held) {
  const W = 400, H = 200, left = 36, right = W - 8, top = 18, bottom = H - 28;
  const label = `Funnel. Shown: ${STAGES.map((s) => `${s} ${shown[s] || 0}`).join(', ')}. `
    + `Held out: ${STAGES.map((s) => `${s} ${held[s] || 0}`).join(', ')}.`;
  const chart = frame('funnel', W, H, label);
  const max = niceMax(Math.max(0, ...STAGES.flatMap((s) => [shown[s] || 0, held[s] || 0])));
  const axis = yAxis(left, top, bottom, right, max);
  chart.append(...axis.nodes.flat());
  const slot = (right - left) / STAGES.length;
  const bar = slot * 0.32;
  STAGES.forEach((stage, i) => {
    const x0 = left + i * slot + slot * 0.16;
    [[shown[stage] || 0, COLORS.primary, 'shown'], [held[stage] || 0, COLORS.muted, 'held out']].forEach(([value, fill, group], j) => {
      const x = x0 + j * bar;
      chart.append(
        svg('rect', { x, y: axis.scale(value), width: bar - 2, height: bottom - axis.scale(value), fill },
          svg('title', { text: `${stage}, ${group}: ${value}` })),
        text(x + (bar - 2) / 2, axis.scale(value) - 4, String(value), { 'text-anchor': 'middle', class: 'value-label' }));
    });
    chart.append(text(left + i * slot + slot / 2, bottom + 16, stage, { 'text-anchor': 'middle' }));
  });
  return chart;
}

/**
 * CSAT per day: `days` [{date, ratings, csat}] (csat in percent, null without ratings); a bar
 * per day that had ratings, its height the share of 4 and 5 stars, its count above it. Each
 * bar carries its date, CSAT and count as data attributes.
 */
export function csatChart(days) {
  const W = 640, H = 240, left = 40, right = W - 22, top = 14, bottom = H - 34;
  const rated = days.filter((d) => d.ratings);
  const label = `CSAT per day (share of 4 and 5 stars), ${days.length} days. `
    + (rated.length ? rated.map((d) => `${d.date}: ${d.csat}% of ${d.ratings}`).join('; ') : 'No ratings.');
  const chart = frame('csat', W, H, label);
  const axis = yAxis(left, top, bottom, right, 100);
  chart.append(...axis.nodes.flat());
  const slot = (right - left) / Math.max(days.length, 1);
  const bar = Math.max(2, slot * 0.7);
  const every = Math.ceil(days.length / 10);
  days.forEach((d, i) => {
    const x = left + i * slot + (slot - bar) / 2;
    if (d.ratings) {
      const y = axis.scale(d.csat || 0);
      chart.append(
        svg('rect', { x, y, width: bar, height: bottom - y, fill: COLORS.primary, 'data-date': d.date, 'data-csat': d.csat, 'data-ratings': d.ratings },
          svg('title', { text: `${d.date}: CSAT ${d.csat}% of ${d.ratings} ratings` })),
        text(x + bar / 2, y - 4, String(d.ratings), { 'text-anchor': 'middle', class: 'value-label' }));
    }
    const last = days.length - 1;
    if (i === last || (i % every === 0 && last - i >= every / 2)) {
      chart.append(text(x + bar / 2, bottom + 16, d.date.slice(5), { 'text-anchor': 'middle' }));
    }
  });
  if (!rated.length) chart.append(text((left + right) / 2, (top + bottom) / 2, 'No ratings in this period', { 'text-anchor': 'middle', class: 'value-label' }));
  return chart;
}
