// "Email me the transcript", and proving an address with a one-time code so the order
// look-up can show the orders placed with it (for a shopper without their order number): a
// part the widget loads when the site sends email (welcome's appearance.email; see
// widget/src/2-parts.js). This file is the body of a function of `core`; it returns the
// part's functions.

function wireEmail() {
  core.view.transcript.onclick = () => {
    core.view.transcriptForm.hidden = false;
    showTranscriptInput(true);
    core.setText(core.view.emailNote, "");
    if (!core.view.transcriptEmail.value) core.view.transcriptEmail.value = core.chat.address;
    core.view.transcriptEmail.focus();
    core.scrollToEnd();
  };
  core.view.transcriptForm.addEventListener("submit", e => {
    e.preventDefault();
    const email = core.view.transcriptEmail.value.trim();
    if (!email || !core.view.transcriptEmail.checkValidity()) return;
    core.chat.address = email;
    core.chat.emailPending = "transcript";
    core.send({ type: "transcript", conversation_id: core.chat.current || undefined, email });
  });
  core.view.useCode.onclick = () => {
    core.view.lookup.hidden = true;
    core.view.code.hidden = false;
    core.view.codeDigits.hidden = true;
    core.setText(core.view.codeError, "");
    labelEmail();
    if (!core.view.codeEmail.value) core.view.codeEmail.value = core.view.lookupEmail.value || core.chat.address;
    core.view.codeEmail.focus();
    core.scrollToEnd();
  };
  core.view.code.addEventListener("submit", e => {
    e.preventDefault();
    const email = core.view.codeEmail.value.trim();
    if (!email || !core.view.codeEmail.checkValidity()) return;
    core.chat.address = email;
    core.chat.emailPending = "code";
    core.setText(core.view.codeError, "");
    if (core.view.codeDigits.hidden) {
      core.send({ type: "email_code", email });
    } else if (core.view.codeDigits.value.trim()) {
      core.send({ type: "verify_code", email, code: core.view.codeDigits.value.trim() });
    }
  });
}

// The transcript form's label and input, or (once sent) only the note saying where it went.
function showTranscriptInput(shown) {
  core.view.transcriptForm.querySelector("label").hidden = !shown;
  core.view.transcriptForm.querySelector("div").hidden = !shown;
}

function labelEmail() {
  core.setText(core.view.transcript, core.strings.transcript);
  core.setText(core.view.transcriptForm.querySelector("label"), core.strings.transcriptTo);
  core.setText(core.view.transcriptForm.querySelector("button"), core.strings.send);
  core.setText(core.view.useCode, core.strings.useCode);
  const waitingForCode = !core.view.codeDigits.hidden;
  core.setText(core.view.code.querySelector("label"), waitingForCode ? core.strings.codeSent + core.chat.address : core.strings.yourEmail);
  core.setText(core.view.code.querySelector("button"), waitingForCode ? core.strings.verify : core.strings.emailCode);
  core.view.codeDigits.setAttribute("aria-label", core.strings.verify);
}

// The transcript button once there is a conversation; the code link inside the look-up form.
function showEmailTools() {
  core.view.transcript.hidden = !core.chat.email || !core.chat.current;
  if (core.view.transcript.hidden) core.view.transcriptForm.hidden = true;
  core.view.useCode.hidden = !core.chat.email;
  if (core.view.wismo.hidden) core.view.code.hidden = true;
}

function onEmailed(frame) {
  core.chat.emailPending = null;
  if (frame.what === "transcript") {
    core.setText(core.view.emailNote, core.strings.transcriptSent + frame.to);
    showTranscriptInput(false);
  } else if (frame.what === "code") {
    core.view.codeEmail.hidden = true;
    core.view.codeDigits.hidden = false;
    core.view.codeDigits.value = "";
    labelEmail();
    core.view.codeDigits.focus();
  }
  core.emit("emailed", frame);
}

// A proven address: the orders follow as the bot's answer; the form goes.
function onVerified(frame) {
  core.chat.emailPending = null;
  core.view.code.hidden = true;
  core.view.codeEmail.hidden = false;
  core.view.codeDigits.hidden = true;
  labelEmail();
  core.emit("verified", frame);
}

// The server refused an email frame: the reason is shown in the form that sent it.
function onEmailError(frame) {
  if (!core.chat.emailPending) return false;
  core.setText(core.chat.emailPending === "code" ? core.view.codeError : core.view.emailNote, frame.message || "");
  core.chat.emailPending = null;
  return true;
}

wireEmail();
return { label: labelEmail, tools: showEmailTools, emailed: onEmailed, verified: onVerified, refused: onEmailError };
