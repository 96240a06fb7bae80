// Translation between an agent and a shopper who write different languages, by the server's
// language model: a shopper's line read in the agent's language (the browser's), and the
// agent's reply put into the shopper's for the agent to check and send. Offered only when
// the server has a model and the shopper's browser language differs from the agent's.

import { h } from '../dom.js';

/** The agent's language: their browser's. */
export function agentLanguage() {
  return navigator.language || 'en';
}

const primary = (tag) => String(tag || '').split(/[-_]/)[0].toLowerCase();

/** Whether to offer translation for a shopper whose browser speaks `shopperLanguage`. */
export function offered(ctx, shopperLanguage) {
  return !!(ctx.site && ctx.site.ai && shopperLanguage && primary(shopperLanguage) !== primary(agentLanguage()));
}

/** Why there is no translation, in words. */
export function whyNot(fallback) {
  return {
    ai_off: 'no language model is set up', site_off: 'AI is off for this shop', busy: 'the model is busy',
    over_budget: "today's AI budget is spent", timeout: 'the model was too slow', status: 'the model failed',
    unreachable: 'the model is unreachable', malformed: 'the model gave no usable translation',
    invented_order: 'the model named an order the message does not', language_unknown: "the shopper's language is unknown",
  }[fallback] || fallback;
}

/** Asks the server: `{seq}` or `{text}`, `to` a language tag or `'shopper'`. */
export function translate(ctx, conversationId, body) {
  return ctx.api.post(`/sites/${ctx.site.id}/conversations/${conversationId}/translate`, body);
}

/** Under a shopper's line: a "Translate" button, then its translation. The transcript is
 *  redrawn on every frame, so the state lives in `cache` (seq → {pending} | answer | {error}). */
export function lineTranslation(ctx, conversationId, seq, cache, redraw) {
  const done = cache.get(seq);
  if (done && done.text) {
    return h('div', { class: 'translation', 'data-role': 'translation' },
      h('span', { class: 'muted', text: `Translated${done.from ? ` from ${done.from}` : ''}: ` }),
      h('span', { lang: done.to || null, text: done.text }));
  }
  if (done && done.error) return h('span', { class: 'muted translation', 'data-role': 'translation-error', text: `No translation: ${done.error}.` });
  const pending = !!(done && done.pending);
  return h('button', { type: 'button', class: 'link', 'data-role': 'translate', disabled: pending,
    text: pending ? 'Translating…' : 'Translate',
    onclick: async () => {
      cache.set(seq, { pending: true });
      redraw();
      try {
        const t = await translate(ctx, conversationId, { seq, to: agentLanguage() });
        cache.set(seq, t.text ? t : { error: whyNot(t.fallback) });
      } catch (e) {
        cache.set(seq, { error: e.message });
      }
      redraw();
    } });
}
