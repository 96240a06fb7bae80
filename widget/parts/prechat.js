// The pre-chat form, a part the widget loads when the site asks one (welcome's
// appearance.prechat; see widget/src/2-parts.js): the name, email and topic asked before the
// first message. Its answers go out in the frame of that first message, so the answers and
// the chat they open cannot part; there is no form once the visitor has a conversation, has
// sent the answers, or the shop has identified the shopper. This file is the body of a
// function of `core`; it returns the part's functions.

const FIELDS = ["name", "email", "topic"];
core.addStyle(core.view.root, "[data-role=prechat] input,select{display:block;width:100%;margin-bottom:6px}select{height:40px;padding:0 6px;border:1px solid #d0d7de;border-radius:8px;background:#fff}[data-role=prechat-error]{color:#cf222e;font-size:12px}");
const form = document.createElement("form");
const error = document.createElement("p");
form.setAttribute("data-role", "prechat");
form.hidden = true;
FIELDS.forEach(name => {
  const row = document.createElement("p");
  const label = document.createElement("label");
  const input = document.createElement(name === "topic" ? "select" : "input");
  label.htmlFor = input.id = "pc-" + name;
  input.name = name;
  if (name !== "topic") {
    input.type = name === "email" ? "email" : "text";
    input.autocomplete = name;
    input.maxLength = name === "email" ? 254 : 80;
  }
  row.append(label, input);
  form.append(row);
});
error.setAttribute("data-role", "prechat-error");
error.setAttribute("role", "alert");
form.append(error);
// Enter in a field goes on to the message box: the first message sends the answers.
form.addEventListener("submit", e => {
  e.preventDefault();
  core.view.input.focus();
});
core.view.root.querySelector(".composer").before(form);

// Shows or hides the form, its fields as the site asks them, in the current language;
// returns whether it is shown.
function show() {
  const chat = core.chat, spec = chat.prechat, strings = core.strings;
  form.hidden = !spec || !!chat.current || chat.identified || chat.prechatSent;
  if (form.hidden) return false;
  const select = form.elements.topic;
  const labels = { name: strings.yourName, email: strings.yourEmail, topic: strings.topic };
  FIELDS.forEach(key => {
    const rule = key === "topic" ? (spec.topics.length ? "required" : "off") : spec[key];
    const input = form.elements[key];
    input.parentNode.hidden = rule === "off";
    input.required = rule === "required";
    core.setText(input.previousSibling, labels[key]);
  });
  const picked = select.value;
  select.textContent = "";
  select.add(new Option(strings.choose, ""));
  spec.topics.forEach(topic => select.add(new Option(topic.label, topic.id)));
  select.value = picked;
  return true;
}

// The answers for the message that opens the chat: undefined without a form, false while
// the form is not valid (the browser points at the field).
function answers() {
  if (form.hidden) return undefined;
  if (!form.reportValidity()) return false;
  const given = {};
  FIELDS.forEach(key => {
    const value = form.elements[key].value.trim();
    if (value && !form.elements[key].parentNode.hidden) given[key] = value;
  });
  core.chat.prechatSent = true;
  core.setText(error, "");
  core.showStatus();
  return given;
}

// The server refused an answer (`invalid_field` naming `prechat.…`): the message is taken back
// into the box and the form shows again with the reason, at the field it names. Returns
// whether the error was the form's.
function refused(frame) {
  const key = /^prechat\.(\w+)$/.exec(frame.field || "");
  if (!key) return false;
  const own = core.ownMessages;
  Object.keys(own.unacked).forEach(id => {
    const message = own.unacked[id];
    if (!message.prechat) return;
    core.view.input.value = message.text;
    if (own.bubbles[id]) own.bubbles[id].remove();
    delete own.bubbles[id];
    delete own.unacked[id];
  });
  core.chat.prechatSent = false;
  core.showStatus();
  core.setText(error, frame.message || "");
  if (form.elements[key[1]]) form.elements[key[1]].focus();
  return true;
}

return { show, answers, refused };
