// The knowledge base: the questions and answers the site's bot answers shoppers from.

import { mountLibrary } from './library.js';
import { versionsEditor } from './versions.js';

export function mount(root, ctx) {
  mountLibrary(root, ctx, {
    title: 'Knowledge base',
    intro: 'The bot answers a shopper with the article whose question best matches what they wrote; with no good match it offers a person. Write questions the way shoppers ask them.',
    path: 'articles',
    listKey: 'articles',
    formRole: 'article-form',
    noun: 'article',
    fields: [
      { name: 'question', label: 'Question', max: 300, placeholder: 'How long does shipping take?', hint: 'Up to 300 characters.' },
      { name: 'answer', label: 'Answer', multiline: true, rows: 7, max: 4000, placeholder: 'We ship within 24 hours…', hint: 'Up to 4000 characters; sent as the bot\'s reply.' },
    ],
    extra: versionsEditor({ fields: [
      { name: 'question', label: 'Question', max: 300 },
      { name: 'answer', label: 'Answer', multiline: true, max: 4000 },
    ] }),
    itemTitle: (a) => a.question,
    itemBody: (a) => a.answer,
  });
}
