// Photos and files in the chat, a part the widget loads when the site takes attachments or a
// message carries some (see widget/src/2-parts.js): the paper-clip button, paste into the box
// and drop onto the panel; the tray of the message being written, where each file uploads at
// once over HTTP (`POST /uploads`, with a token the socket hands out for the open
// conversation) and shows its progress; and the attachments of any message, images as
// thumbnails (the server's small copy of a large image) and other files as links. The server
// sniffs, strips and limits again: the checks here only spare the shopper a wait. This file
// is the body of a function of `core`; it returns the part's functions.

core.addStyle(core.view.root,
  "[data-role=attach]{width:40px;padding:0;background:none!important;color:#57606a!important}[data-role=attach] svg{width:22px;height:22px;fill:none;stroke:currentColor;stroke-width:2}" +
  "[data-role=tray]{display:flex;flex-wrap:wrap;gap:6px;padding:6px 12px 0}[data-role=tray]:empty{display:none}" +
  "[data-role=chip]{display:flex;align-items:center;gap:6px;max-width:100%;padding:4px;padding-inline-start:6px;border:1px solid #d0d7de;border-radius:8px;font-size:12px}" +
  "[data-role=chip] span{max-width:140px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}[data-role=chip] img{width:36px;height:36px;object-fit:cover;border-radius:4px}" +
  "[data-role=chip] progress{width:40px}[data-role=chip][data-failed]{border-color:#cf222e;color:#cf222e}[data-role=chip] button{height:24px;width:24px;padding:0;background:none;color:#57606a;font-size:16px}" +
  "[data-role=attach-note]{margin:4px 12px 0;font-size:12px;color:#cf222e}[data-drop]{outline:3px dashed var(--accent);outline-offset:-3px}" +
  "[data-role=files]{display:flex;flex-wrap:wrap;gap:4px;margin-bottom:4px}[data-kind=shopper] [data-role=files]{justify-content:flex-end}" +
  "[data-role=files] img{display:block;max-width:200px;max-height:160px;border-radius:12px;background:#f6f8fa}" +
  "[data-role=files] a:not(:has(img)){padding:8px 12px;border:1px solid #d0d7de;border-radius:12px;color:#0969da;font-size:13px;word-break:break-all}" +
  "[data-role=text]:empty{display:none}");

const tray = []; // the files of the message being written: { file, chip, bar, xhr, view, failed, local }
let grant = null; // the latest `upload_token` frame: token, expiry and the site's limits
let asked = false; // an `upload_token` frame is on its way
let waiting = []; // files picked before a token came

const composer = core.view.input.parentNode;
const list = document.createElement("div");
const note = document.createElement("p");
const picker = document.createElement("input");
const button = document.createElement("button");
const svg = "http://www.w3.org/2000/svg";
const icon = document.createElementNS(svg, "svg");
const clip = document.createElementNS(svg, "path");
list.setAttribute("data-role", "tray");
note.setAttribute("data-role", "attach-note");
note.setAttribute("role", "alert");
note.hidden = true;
picker.type = "file";
picker.multiple = true;
picker.hidden = true;
picker.setAttribute("data-role", "attach-input");
button.type = "button";
button.setAttribute("data-role", "attach");
button.setAttribute("aria-label", button.title = core.strings.attach);
button.hidden = !core.chat.files;
icon.setAttribute("viewBox", "0 0 24 24");
icon.setAttribute("aria-hidden", "true");
clip.setAttribute("d", "M21 11.5l-8.6 8.6a5 5 0 0 1-7-7l8.6-8.6a3.3 3.3 0 0 1 4.7 4.7l-8.6 8.6a1.7 1.7 0 0 1-2.4-2.4l7.9-7.9");
icon.append(clip);
button.append(icon);
composer.before(list, note);
composer.prepend(button, picker);

button.onclick = () => picker.click();
picker.onchange = () => {
  add(picker.files);
  picker.value = "";
};
core.view.input.addEventListener("paste", e => {
  const files = e.clipboardData && e.clipboardData.files;
  if (files && files.length && core.chat.files) {
    e.preventDefault();
    add(files);
  }
});
const panel = core.view.panel;
const dragging = e => core.chat.files && e.dataTransfer && [].indexOf.call(e.dataTransfer.types, "Files") >= 0;
panel.addEventListener("dragover", e => {
  if (!dragging(e)) return;
  e.preventDefault();
  panel.setAttribute("data-drop", "");
});
panel.addEventListener("dragleave", e => {
  if (!panel.contains(e.relatedTarget)) panel.removeAttribute("data-drop");
});
panel.addEventListener("drop", e => {
  panel.removeAttribute("data-drop");
  if (!dragging(e)) return;
  e.preventDefault();
  add(e.dataTransfer.files);
});

function say(text) {
  core.setText(note, text);
  note.hidden = !text;
}

// Files the shopper picked, pasted or dropped: into the tray, and up as soon as a token is here.
function add(files) {
  say("");
  for (const file of files) {
    if (tray.length >= (grant ? grant.max_per_message : 10)) {
      say(core.strings.attachMany);
      break;
    }
    const item = { file, chip: document.createElement("span"), bar: document.createElement("progress") };
    const name = document.createElement("span");
    const remove = document.createElement("button");
    item.chip.setAttribute("data-role", "chip");
    core.setText(name, file.name || "file");
    remove.type = "button";
    remove.setAttribute("aria-label", core.strings.attachRemove + " " + (file.name || ""));
    core.setText(remove, "\u00d7");
    remove.onclick = () => {
      if (item.xhr) item.xhr.abort();
      tray.splice(tray.indexOf(item), 1);
      waiting = waiting.filter(w => w !== item);
      item.chip.remove();
      say("");
    };
    if (/^image\//.test(file.type) && window.URL && URL.createObjectURL) {
      const img = document.createElement("img");
      img.alt = "";
      img.src = item.local = URL.createObjectURL(file);
      item.chip.append(img);
    }
    item.bar.setAttribute("aria-label", file.name || "file");
    item.bar.max = 1;
    item.bar.value = 0;
    item.chip.append(name, item.bar, remove);
    tray.push(item);
    list.append(item.chip);
    if (grant && grant.expires_at - Date.now() > 60000) upload(item);
    else waiting.push(item);
  }
  if (waiting.length && !asked) {
    asked = true;
    core.send({ type: "upload_token" });
  }
}

function fail(item, text) {
  item.failed = true;
  item.bar.remove();
  item.chip.setAttribute("data-failed", "");
  item.chip.title = text;
  say((item.file.name || "file") + ": " + text);
}

function upload(item) {
  const file = item.file;
  if (file.size > grant.max_bytes) return fail(item, core.strings.attachTooBig);
  const xhr = item.xhr = new XMLHttpRequest();
  xhr.open("POST", core.server + "/uploads?filename=" + encodeURIComponent(file.name || "file"));
  xhr.setRequestHeader("Authorization", "Bearer " + grant.token);
  xhr.upload.onprogress = e => {
    if (e.lengthComputable) item.bar.value = e.loaded / e.total;
  };
  xhr.onload = () => {
    let body = {};
    try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON: the generic words */ }
    if (xhr.status === 201) {
      item.view = body;
      item.bar.remove();
    } else {
      fail(item, xhr.status === 413 ? core.strings.attachTooBig : (body.error && body.error.message) || core.strings.attachFailed);
    }
  };
  xhr.onerror = () => fail(item, core.strings.attachFailed);
  xhr.send(file);
}

// The `upload_token` frame: the files that waited for it go up now.
function token(frame) {
  grant = frame;
  asked = false;
  picker.accept = frame.types.join(",");
  const ready = waiting;
  waiting = [];
  ready.forEach(upload);
}

// An error frame for our `upload_token` (no open chat yet, or the site turned files off):
// the waiting files go, and the shopper reads why.
function refused(frame) {
  if (/^attachments/.test(frame.field || "")) {
    // The message naming the files was refused (a file past the site's count, or no longer
    // its to send): it comes back to the box instead of waiting forever to be acknowledged.
    const own = core.ownMessages;
    Object.keys(own.unacked).forEach(id => {
      if (!own.unacked[id].attachments) return;
      core.view.input.value = own.unacked[id].text;
      if (own.bubbles[id]) own.bubbles[id].remove();
      delete own.bubbles[id];
      delete own.unacked[id];
    });
    say(frame.message);
    return true;
  }
  if (!asked || frame.field !== "conversation_id") return false;
  asked = false;
  waiting.forEach(item => item.chip.remove());
  tray.length = 0;
  waiting = [];
  if (frame.code === "attachments_disabled") button.hidden = true;
  say(frame.code === "attachments_disabled" ? frame.message : core.strings.attachFirst);
  return true;
}

// True while the tray holds files (a message may then be sent without text).
function has() {
  return tray.some(item => !item.failed);
}

// What the message being sent carries: the uploaded files (the tray empties), or false while
// one is still on its way (the message waits for the shopper to press Send again).
function take() {
  if (tray.some(item => !item.view && !item.failed)) {
    say(core.strings.attachWait);
    return false;
  }
  const views = tray.filter(item => item.view).map(item => Object.assign({ local: item.local }, item.view));
  tray.length = 0;
  list.textContent = "";
  say("");
  return views;
}

function size(bytes) {
  return bytes < 1048576 ? Math.ceil(bytes / 1024) + " KB" : (bytes / 1048576).toFixed(1) + " MB";
}

// A message's attachments above its text: a thumbnail that opens the image, or the file's
// name and size as a download link. Links come signed from the server (an hour); the sender's
// own bubble shows the local copy until then.
function show(bubble, attachments) {
  const box = document.createElement("div");
  box.setAttribute("data-role", "files");
  attachments.forEach(file => {
    const url = file.url ? core.server + file.url : file.local;
    const link = document.createElement("a");
    if (url) link.href = url;
    link.target = "_blank";
    link.rel = "noopener";
    link.setAttribute("data-role", "file");
    if (/^image\//.test(file.type) && url) {
      const img = document.createElement("img");
      img.alt = file.name;
      img.onload = core.scrollToEnd;
      img.src = file.thumb_url ? core.server + file.thumb_url : url; // the server's small copy
      link.append(img);
    } else {
      core.setText(link, file.name + " (" + size(file.size) + ")");
    }
    box.append(link);
  });
  const old = bubble.querySelector("[data-role=files]");
  if (old) old.remove();
  bubble.insertBefore(box, bubble.lastChild);
  core.scrollToEnd();
}

return { token, refused, has, take, show };
