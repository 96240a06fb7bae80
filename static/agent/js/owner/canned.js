// Canned replies: text agents insert by typing "/shortcut" in a chat, written as templates
// that are filled in for the conversation at hand.

import { h } from '../dom.js';
import { mountLibrary } from './library.js';
import { versionsEditor } from './versions.js';

const VARIABLES = [
  '{{ shopper.name }}', '{{ shopper.email }}', '{{ shopper.language }}', '{{ cart.total_formatted }}',
  '{{ cart.count }}', '{{ product.name }}', '{{ product.price }}', '{{ product.url }}',
  '{{ order.id }}', '{{ order.total_formatted }}', '{{ agent.name }}',
];

export function mount(root, ctx) {
  mountLibrary(root, ctx, {
    title: 'Canned replies',
    intro: 'Agents type "/" and the shortcut in the composer to insert a reply. Bodies are templates: the values below are filled in for the conversation, and missing ones are left empty.',
    path: 'canned-replies',
    listKey: 'canned_replies',
    formRole: 'canned-form',
    noun: 'reply',
    plural: 'replies',
    fields: [
      { name: 'shortcut', label: 'Shortcut', max: 33, placeholder: '/size', hint: 'a-z, 0-9, _ and -, up to 32; unique on this site.' },
      { name: 'title', label: 'Title (optional)', max: 120, placeholder: 'Size guide' },
      { name: 'body', label: 'Body', multiline: true, rows: 6, max: 4000, placeholder: 'Hi {{ shopper.name or "there" }}, our size guide…' },
    ],
    // A version is the body alone: `{"fr": "Bonjour…"}`.
    extra: versionsEditor({ fields: [{ name: 'body', label: 'Body', multiline: true, max: 4000 }], read: (body) => ({ body }), write: (v) => v.body }),
    help: h('p', { class: 'hint template-vars', 'data-role': 'template-help' },
      'Template variables: ', VARIABLES.flatMap((v, i) => [i ? ', ' : '', h('code', { text: v })]),
      '. Fallbacks work too: {{ shopper.name or "there" }}.'),
    itemTitle: (c) => `${c.shortcut}${c.title ? ' — ' + c.title : ''}`,
    itemBody: (c) => c.body,
  });
}
