/* shopchat widget, part 5d: the pre-chat form — the name, email and topic a site may ask
 * before the first message (welcome's appearance.prechat). Its answers go out in the frame of
 * that first message, so the answers and the chat they open cannot part; there is no form
 * once the visitor has a conversation or the shop has identified the shopper.
 */

const PRECHAT_FIELDS = ["name", "email", "topic"];

// Shows or hides the form, its fields as the site asks them, in the current language.
function showPrechat() {
  const spec = chat.prechat, form = view.prechat;
  form.hidden = !spec || !!chat.current || chat.identified || chat.prechatSent;
  if (form.hidden) return;
  const select = form.elements.topic;
  PRECHAT_FIELDS.forEach(key => {
    const rule = key === "topic" ? (spec.topics.length ? "required" : "off") : spec[key];
    form.elements[key].parentNode.hidden = rule === "off";
    form.elements[key].required = rule === "required";
  });
  setText(form.querySelector("[for=pc-name]"), strings.yourName);
  setText(form.querySelector("[for=pc-email]"), strings.yourEmail);
  setText(form.querySelector("[for=pc-topic]"), strings.topic);
  const picked = select.value;
  select.textContent = "";
  select.add(new Option(strings.choose, ""));
  spec.topics.forEach(topic => select.add(new Option(topic.label, topic.id)));
  select.value = picked;
}

// The answers for the message that opens the chat: undefined without a form, false while the
// form is not valid (the browser points at the field).
function prechatAnswers() {
  const form = view.prechat;
  if (form.hidden) return;
  if (!form.reportValidity()) return false;
  const answers = {};
  PRECHAT_FIELDS.forEach(key => {
    const value = form.elements[key].value.trim();
    if (value && !form.elements[key].parentNode.hidden) answers[key] = value;
  });
  chat.prechatSent = true;
  setText(view.prechatError, "");
  showStatus();
  return answers;
}

// The server refused an answer: the message is taken back into the box and the form shows
// again with the reason, at the field it names.
function onPrechatError(frame) {
  const key = /^prechat\.(\w+)$/.exec(frame.field || "");
  if (!key) return false;
  Object.keys(ownMessages.unacked).forEach(id => {
    const message = ownMessages.unacked[id];
    if (!message.prechat) return;
    view.input.value = message.text;
    if (ownMessages.bubbles[id]) ownMessages.bubbles[id].remove();
    delete ownMessages.bubbles[id];
    delete ownMessages.unacked[id];
  });
  chat.prechatSent = false;
  showStatus();
  setText(view.prechatError, frame.message || "");
  if (view.prechat.elements[key[1]]) view.prechat.elements[key[1]].focus();
  return true;
}
