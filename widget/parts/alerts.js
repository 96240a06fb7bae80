// A new message while the shop's tab is in the background, a part the widget loads once a
// chat is under way (see widget/src/2-parts.js): a count in the tab's title and a short tone,
// so a shopper who went on browsing elsewhere notices the answer. The site may turn both off
// (welcome's appearance.alerts). This file is the body of a function of `core`; it returns
// the part's functions.

let count = 0;
let title = "";
// Browsers let a page sound once the shopper has interacted with it: this part loads when the
// shopper writes (or returns to an open chat), and a context made before any interaction
// stays silent rather than failing.
let audio = null;
try {
  const Audio = window.AudioContext || window.webkitAudioContext;
  if (Audio) audio = new Audio();
} catch (e) { /* no audio here: the title count still works */ }

// A message from the bot or an agent that counts as unread.
function alert() {
  if (!document.hidden || !core.chat.alerts) return;
  if (!count) title = document.title;
  count++;
  document.title = "(" + count + ") " + title;
  if (!audio) return;
  try {
    const tone = audio.createOscillator(), gain = audio.createGain();
    tone.frequency.value = 880;
    gain.gain.value = 0.05;
    tone.connect(gain).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.15);
  } catch (e) { /* no sound is no reason to lose the message */ }
}

// Back to the tab: the title as it was, unless the shop has changed it since.
document.addEventListener("visibilitychange", () => {
  if (document.hidden || !count) return;
  if (document.title === "(" + count + ") " + title) document.title = title;
  count = 0;
});

return { alert };
