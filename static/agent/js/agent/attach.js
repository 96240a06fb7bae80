// Photos and files in a chat, for agents: the composer's paper-clip button, paste into the box
// and drop onto the composer; the tray of files for the next reply, where each file uploads at
// once (`POST /uploads` with an upload token for this conversation, asked of the REST API)
// and shows its progress; and a message's attachments in the transcript, images as
// thumbnails (the server's small copy of a large image) and other files as download links.
// The server sniffs, strips and limits every file again: the checks here only spare the
// agent a wait.

import { h, replace } from '../dom.js';

const TOKEN_MARGIN_MS = 60_000; // a token about to expire is not used for a new upload

/** The files of the reply being written, and the controls that add them. */
export class AttachTray {
  constructor(ctx, conversationId) {
    this.ctx = ctx;
    this.id = conversationId;
    this.items = [];   // { file, chip, bar, xhr, view, failed }
    this.grant = null; // the latest upload token and the site's limits
    this.picker = h('input', { type: 'file', multiple: true, hidden: true, 'data-role': 'attach-input',
      onchange: () => { this.add(this.picker.files); this.picker.value = ''; } });
    this.button = h('button', { type: 'button', class: 'attach', 'data-role': 'attach', title: 'Attach photos or files',
      'aria-label': 'Attach photos or files', onclick: () => this.picker.click() },
    h('svg:svg', { viewBox: '0 0 24 24', 'aria-hidden': 'true' },
      h('svg:path', { d: 'M21 11.5l-8.6 8.6a5 5 0 0 1-7-7l8.6-8.6a3.3 3.3 0 0 1 4.7 4.7l-8.6 8.6a1.7 1.7 0 0 1-2.4-2.4l7.9-7.9' })));
    this.list = h('div', { class: 'attach-tray', 'data-role': 'attach-tray' });
    this.note = h('p', { class: 'form-error', role: 'alert', 'data-role': 'attach-note', hidden: true });
  }

  /** Pasted or dropped files (`DataTransfer`): true when there were files to take. */
  takeTransfer(transfer) {
    const files = transfer && transfer.files;
    if (!files || !files.length || this.button.disabled) return false;
    this.add(files);
    return true;
  }

  setEnabled(enabled) {
    this.button.disabled = !enabled;
  }

  say(text) {
    this.note.textContent = text || '';
    this.note.hidden = !text;
  }

  /** Files into the tray, each uploaded at once. */
  async add(files) {
    this.say('');
    const max = this.grant ? this.grant.limits.max_per_message : 10;
    const fresh = [];
    for (const file of files) {
      if (this.items.length >= max) {
        this.say(`One message carries at most ${max} files.`);
        break;
      }
      const item = { file, bar: h('progress', { max: 1, value: 0, 'aria-label': `Uploading ${file.name}` }) };
      item.chip = h('span', { class: 'attach-chip', 'data-role': 'attach-chip' },
        file.type.startsWith('image/') ? h('img', { alt: '', src: URL.createObjectURL(file) }) : null,
        h('span', { class: 'name', text: file.name }),
        item.bar,
        h('button', { type: 'button', class: 'link', 'aria-label': `Remove ${file.name}`, text: '×', onclick: () => this.remove(item) }));
      this.items.push(item);
      this.list.append(item.chip);
      fresh.push(item);
    }
    if (!fresh.length) return;
    try {
      const grant = await this.token();
      fresh.forEach((item) => this.upload(item, grant));
    } catch (e) {
      fresh.forEach((item) => this.fail(item, e.message));
    }
  }

  async token() {
    if (!this.grant || this.grant.expires_at - Date.now() < TOKEN_MARGIN_MS) {
      this.grant = await this.ctx.api.post(`/sites/${this.ctx.site.id}/conversations/${this.id}/upload-token`);
    }
    return this.grant;
  }

  remove(item) {
    if (item.xhr) item.xhr.abort();
    this.items = this.items.filter((i) => i !== item);
    item.chip.remove();
    this.say('');
  }

  fail(item, why) {
    item.failed = true;
    item.bar.remove();
    item.chip.classList.add('failed');
    item.chip.title = why;
    this.say(`${item.file.name}: ${why}`);
  }

  upload(item, grant) {
    if (item.file.size > grant.limits.max_bytes) {
      this.fail(item, `larger than this site accepts (${size(grant.limits.max_bytes)})`);
      return;
    }
    const xhr = item.xhr = new XMLHttpRequest();
    xhr.open('POST', `/uploads?filename=${encodeURIComponent(item.file.name)}`);
    xhr.setRequestHeader('Authorization', `Bearer ${grant.token}`);
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) item.bar.value = e.loaded / e.total; };
    xhr.onload = () => {
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch { /* not JSON: the status says it */ }
      if (xhr.status === 201) {
        item.view = body;
        item.bar.remove();
        item.chip.classList.add('done');
      } else {
        this.fail(item, (body.error && body.error.message) || `the server answered ${xhr.status}`);
      }
    };
    xhr.onerror = () => this.fail(item, 'the upload did not reach the server');
    xhr.send(item.file);
  }

  /** The ids the reply carries, or null while a file is still uploading (the reply waits). */
  ready() {
    if (this.items.some((i) => !i.view && !i.failed)) {
      this.say('A file is still uploading; send again when it is done.');
      return null;
    }
    return this.items.filter((i) => i.view).map((i) => i.view.id);
  }

  /** The reply went: the tray empties. */
  clear() {
    this.items = [];
    replace(this.list);
    this.say('');
  }
}

/** "12 KB", "3.4 MB". */
export function size(bytes) {
  return bytes < 1048576 ? `${Math.ceil(bytes / 1024)} KB` : `${(bytes / 1048576).toFixed(1)} MB`;
}

/** A message's attachments for the transcript: thumbnails that open the image, and links. */
export function attachmentList(attachments) {
  return h('div', { class: 'files', 'data-role': 'files' }, attachments.map((a) => {
    const image = a.type.startsWith('image/') && a.url;
    return h('a', { href: a.url || null, target: '_blank', rel: 'noopener', 'data-role': 'file',
      class: image ? 'thumb' : 'file', title: `${a.name} (${size(a.size)})` },
    image ? h('img', { src: a.thumb_url || a.url, alt: a.name, loading: 'lazy' })
      : [h('span', { class: 'file-name', text: a.name }), h('span', { class: 'file-size', text: size(a.size) })]);
  }));
}
