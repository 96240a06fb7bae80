// What the rule editor knows about trigger rules, mirrored from the server's engine
// (src/triggers/facts.rs, condition.rs, rule.rs): the events a rule can wake on, the facts
// and their types, which operators fit which type, and how a rule reads as one line.

/** Events the widget and the shop send (README, shopper protocol), in the order owners need them. */
export const EVENTS = [
  ['page_view', 'Page view'], ['product_view', 'Product view'], ['cart_update', 'Cart update'],
  ['add_to_cart', 'Add to cart'], ['exit_intent', 'Exit intent'], ['idle', 'Idle'],
  ['scroll_depth', 'Scroll depth'], ['visibility', 'Tab visibility'], ['identify', 'Identify'],
  ['widget_open', 'Widget opened'], ['purchase', 'Purchase'], ['checkout_complete', 'Checkout complete'],
];

/** Facts by name → value type (number, text, bool, list, any) and a label. */
export const FACTS = [
  ['page.url', 'text', 'Page URL'], ['page.path', 'text', 'Page path'], ['page.title', 'text', 'Page title'],
  ['page.type', 'text', 'Page type'], ['time_on_page', 'number', 'Time on page (s)'],
  ['pages_this_session', 'number', 'Pages this session'], ['session_duration', 'number', 'Session duration (s)'],
  ['visits', 'number', 'Visits'], ['returning', 'bool', 'Returning visitor'], ['referrer.host', 'text', 'Referrer host'],
  ['utm.source', 'text', 'UTM source'], ['utm.medium', 'text', 'UTM medium'], ['utm.campaign', 'text', 'UTM campaign'],
  ['device', 'text', 'Device'], ['language', 'text', 'Language'], ['cart.total', 'number', 'Cart total'],
  ['cart.items', 'number', 'Cart items (units)'], ['cart.skus', 'list', 'Cart SKUs'], ['product.sku', 'text', 'Product SKU'],
  ['product.name', 'text', 'Product name'], ['product.price', 'number', 'Product price'],
  ['product.category', 'text', 'Product category'], ['identified', 'bool', 'Identified shopper'],
  ['idle_time', 'number', 'Idle time (s)'], ['exit_intent', 'bool', 'Exit intent'], ['agents_online', 'number', 'Agents online'],
  ['business_hours', 'bool', 'Within business hours'], ['in_conversation', 'bool', 'In a conversation'],
  ['proactive_seen', 'number', 'Proactive messages seen'],
  ['customer.orders_count', 'number', 'Customer: orders placed'], ['customer.total_spent', 'number', 'Customer: total spent'],
  ['customer.tags', 'list', 'Customer: shop tags'], ['last_order.status', 'text', 'Last order: status'],
  ['last_order.fulfillment_status', 'text', 'Last order: fulfilment'], ['last_order.days_since', 'number', 'Last order: days since placed'],
  ['visitor.*', 'any', 'Custom visitor attribute…'],
].map(([name, kind, label]) => ({ name, kind, label }));

/** Suggested values for text facts with a closed set. */
export const SUGGESTIONS = {
  'page.type': ['product', 'cart', 'checkout', 'other'],
  device: ['mobile', 'tablet', 'desktop'],
  'last_order.status': ['pending', 'processing', 'on_hold', 'completed', 'cancelled', 'refunded', 'failed'],
  'last_order.fulfillment_status': ['unfulfilled', 'partial', 'fulfilled', 'restocked'],
};

export const OPS = {
  eq: 'is', ne: 'is not', lt: '<', lte: '≤', gt: '>', gte: '≥', contains: 'contains',
  starts_with: 'starts with', matches: 'matches glob', matches_regex: 'matches regex', in: 'is one of', exists: 'is known',
};

/** Operators that fit a type, as the server checks them. */
const OPS_BY_KIND = {
  number: ['gte', 'gt', 'lte', 'lt', 'eq', 'ne', 'in', 'exists'],
  text: ['eq', 'ne', 'contains', 'starts_with', 'matches', 'matches_regex', 'in', 'exists'],
  bool: ['eq', 'ne', 'exists'],
  list: ['contains', 'in', 'exists'],
  any: ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'contains', 'starts_with', 'matches', 'matches_regex', 'in', 'exists'],
};

/** The fact entry for a name (`visitor.plan` → the custom-attribute entry). */
export function factInfo(name) {
  if (name && name.startsWith('visitor.')) return FACTS.find((f) => f.name === 'visitor.*');
  return FACTS.find((f) => f.name === name) || { name, kind: 'any', label: name };
}

export function opsFor(kind) {
  return OPS_BY_KIND[kind] || OPS_BY_KIND.any;
}

/** A new, sensible rule for the "New rule" button. */
export function blankRule() {
  return {
    name: '', enabled: true, priority: 0, when: ['page_view'],
    conditions: { all: [{ fact: 'time_on_page', op: 'gte', value: 30 }] },
    actions: [{ type: 'message', text: '' }],
    frequency: { once_per: 'session' }, holdout_percent: 0,
  };
}

/**
 * The conditions as a flat list the form can show: `{mode, tests}`, or null when they nest
 * (an `any` inside an `all`, a `not`) — those are edited as JSON.
 */
export function flatten(conditions) {
  if (!conditions) return { mode: 'all', tests: [] };
  if (conditions.fact !== undefined) return { mode: 'all', tests: [conditions] };
  const mode = conditions.all ? 'all' : conditions.any ? 'any' : null;
  if (!mode || Object.keys(conditions).length !== 1 || !Array.isArray(conditions[mode])) return null;
  const tests = conditions[mode];
  return tests.every((t) => t && typeof t === 'object' && typeof t.fact === 'string') ? { mode, tests } : null;
}

/** "page_view, product_view · page.type eq product and time_on_page gte 40 → message" */
export function summary(rule) {
  const when = [].concat(rule.when || []);
  const parts = [when.length ? `On ${when.join(', ')}` : 'On any event'];
  parts.push(`if ${describeCondition(rule.conditions)}`);
  parts.push(`→ ${(rule.actions || []).map((a) => a.type).join(', ') || 'nothing'}`);
  return parts.join(' · ');
}

function describeCondition(c) {
  if (!c) return 'always';
  if (c.fact !== undefined) {
    const value = c.regex !== undefined ? c.regex : c.glob !== undefined ? c.glob : c.value;
    return `${c.fact} ${OPS[c.op] || c.op}${value === undefined ? '' : ' ' + JSON.stringify(value)}`;
  }
  if (c.not) return `not (${describeCondition(c.not)})`;
  const key = c.all ? 'all' : c.any ? 'any' : null;
  if (!key || !Array.isArray(c[key])) return '?';
  if (!c[key].length) return key === 'all' ? 'always' : 'never';
  const inner = c[key].map((x) => (x.fact !== undefined ? describeCondition(x) : `(${describeCondition(x)})`));
  return inner.join(key === 'all' ? ' and ' : ' or ');
}
