// Words the agent views share: why a chat waits, what stage it is in, who a visitor is.

/** Why a chat went to people, as an agent reads it. */
export const REASONS = {
  shopper_asked: 'Asked for a person',
  bot_missed: 'Bot could not answer',
  trigger: 'Routed by a trigger',
  external_bot: 'Bot handed over',
  order_help: 'Order needs a person',
};

/** Stage names for pills. */
export const STAGES = { bot: 'With the bot', queued: 'Waiting', assigned: 'Assigned', closed: 'Closed' };

/** The visitor's name from `identify`, else a short stable label from the id. */
export function visitorName(live, visitorId) {
  const v = live.visitors.get(visitorId);
  if (v && v.name) return v.name;
  return 'Visitor ' + String(visitorId).slice(-6);
}

/** "1/5/9" priorities in words (trigger `route_to_human`: normal, high, urgent). */
export function priorityLabel(p) {
  if (p >= 9) return 'Urgent';
  if (p >= 5) return 'High';
  return null;
}

/** Queue order, as routing uses it: priority, then cart value, then longest wait. */
export function queueOrder(a, b) {
  return (b.priority - a.priority) || (b.cart_total - a.cart_total) || ((a.queued_at || a.created_at) - (b.queued_at || b.created_at));
}
