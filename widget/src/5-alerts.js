/* shopchat widget, part 5e: a new message while the shop's tab is in the background — a count
 * in the tab's title and a short tone, so a shopper who went on browsing elsewhere notices the
 * answer. The site may turn both off (welcome's appearance.alerts).
 */

const tabAlert = { count: 0, title: "", audio: null };

// A message from the bot or an agent that counts as unread.
function alertTab() {
  if (!document.hidden || !chat.alerts) return;
  if (!tabAlert.count) tabAlert.title = document.title;
  tabAlert.count++;
  document.title = "(" + tabAlert.count + ") " + tabAlert.title;
  const audio = tabAlert.audio;
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

// Browsers let a page sound only from an audio context made during a user action: the
// shopper sending a message is one.
function armTone() {
  const Audio = window.AudioContext || window.webkitAudioContext;
  if (tabAlert.audio || !chat.alerts || !Audio) return;
  try {
    tabAlert.audio = new Audio();
  } catch (e) { /* no audio here: the title count still works */ }
}

// Back to the tab: the title as it was, unless the shop has changed it since.
document.addEventListener("visibilitychange", () => {
  if (document.hidden || !tabAlert.count) return;
  if (document.title === "(" + tabAlert.count + ") " + tabAlert.title) document.title = tabAlert.title;
  tabAlert.count = 0;
});
