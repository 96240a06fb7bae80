/* shopchat widget, part 5c: email — "Email me the transcript", and proving an address with
 * a one-time code so the order look-up can show the orders placed with it (for a shopper
 * without their order number). Both only when the site sends email.
 */

function wireEmail() {
  view.transcript.onclick = () => {
    view.transcriptForm.hidden = false;
    showTranscriptInput(true);
    setText(view.emailNote, "");
    if (!view.transcriptEmail.value) view.transcriptEmail.value = chat.address;
    view.transcriptEmail.focus();
    scrollToEnd();
  };
  view.transcriptForm.addEventListener("submit", e => {
    e.preventDefault();
    const email = view.transcriptEmail.value.trim();
    if (!email || !view.transcriptEmail.checkValidity()) return;
    chat.address = email;
    chat.emailPending = "transcript";
    send({ type: "transcript", conversation_id: chat.current || undefined, email });
  });
  view.useCode.onclick = () => {
    view.lookup.hidden = true;
    view.code.hidden = false;
    view.codeDigits.hidden = true;
    setText(view.codeError, "");
    labelEmail();
    if (!view.codeEmail.value) view.codeEmail.value = view.lookupEmail.value || chat.address;
    view.codeEmail.focus();
    scrollToEnd();
  };
  view.code.addEventListener("submit", e => {
    e.preventDefault();
    const email = view.codeEmail.value.trim();
    if (!email || !view.codeEmail.checkValidity()) return;
    chat.address = email;
    chat.emailPending = "code";
    setText(view.codeError, "");
    if (view.codeDigits.hidden) {
      send({ type: "email_code", email });
    } else if (view.codeDigits.value.trim()) {
      send({ type: "verify_code", email, code: view.codeDigits.value.trim() });
    }
  });
}

// The transcript form's label and input, or (once sent) only the note saying where it went.
function showTranscriptInput(shown) {
  view.transcriptForm.querySelector("label").hidden = !shown;
  view.transcriptForm.querySelector("div").hidden = !shown;
}

function labelEmail() {
  setText(view.transcript, strings.transcript);
  setText(view.transcriptForm.querySelector("label"), strings.transcriptTo);
  setText(view.transcriptForm.querySelector("button"), strings.send);
  setText(view.useCode, strings.useCode);
  const waitingForCode = !view.codeDigits.hidden;
  setText(view.code.querySelector("label"), waitingForCode ? strings.codeSent + chat.address : strings.yourEmail);
  setText(view.code.querySelector("button"), waitingForCode ? strings.verify : strings.emailCode);
  view.codeDigits.setAttribute("aria-label", strings.verify);
}

// The transcript button once there is a conversation; the code link inside the look-up form.
function showEmailTools() {
  view.transcript.hidden = !chat.email || !chat.current;
  if (view.transcript.hidden) view.transcriptForm.hidden = true;
  view.useCode.hidden = !chat.email;
  if (view.wismo.hidden) view.code.hidden = true;
}

function onEmailed(frame) {
  chat.emailPending = null;
  if (frame.what === "transcript") {
    setText(view.emailNote, strings.transcriptSent + frame.to);
    showTranscriptInput(false);
  } else if (frame.what === "code") {
    view.codeEmail.hidden = true;
    view.codeDigits.hidden = false;
    view.codeDigits.value = "";
    labelEmail();
    view.codeDigits.focus();
  }
  emit("emailed", frame);
}

// A proven address: the orders follow as the bot's answer; the form goes.
function onVerified(frame) {
  chat.emailPending = null;
  view.code.hidden = true;
  view.codeEmail.hidden = false;
  view.codeDigits.hidden = true;
  labelEmail();
  emit("verified", frame);
}

// The server refused an email frame: the reason is shown in the form that sent it.
function onEmailError(frame) {
  if (!chat.emailPending) return false;
  setText(chat.emailPending === "code" ? view.codeError : view.emailNote, frame.message || "");
  chat.emailPending = null;
  return true;
}
