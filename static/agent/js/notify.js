// Getting an agent's attention when a chat is routed to them: a short sound, a count in the
// tab title, a desktop notification (only after the agent allowed it), and a toast in the page.

let audio = null;

/** A two-tone chime made on the spot (no sound file to load or to be blocked). */
export function chime() {
  // Browsers refuse sound before the person has clicked or typed in the page; asking anyway
  // only logs a warning. Agents click within seconds of opening the dashboard.
  if (navigator.userActivation && !navigator.userActivation.hasBeenActive) return;
  try {
    audio = audio || new AudioContext();
    if (audio.state === 'suspended') audio.resume();
    const now = audio.currentTime;
    for (const [i, freq] of [880, 1320].entries()) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, now + i * 0.15);
      gain.gain.exponentialRampToValueAtTime(0.2, now + i * 0.15 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.15 + 0.3);
      osc.connect(gain).connect(audio.destination);
      osc.start(now + i * 0.15);
      osc.stop(now + i * 0.15 + 0.32);
    }
  } catch {
    // No audio device (a server, a locked-down browser): the other signals still work.
  }
}

/** Whether desktop notifications can be asked for, are allowed, or were refused. */
export function permission() {
  return 'Notification' in window ? window.Notification.permission : 'unsupported';
}

/** Asks for permission; must run inside a click (browsers ignore it otherwise). */
export async function askPermission() {
  if (!('Notification' in window)) return 'unsupported';
  return window.Notification.requestPermission();
}

/** Shows a desktop notification when allowed; clicking it focuses the chat. */
export function desktop(title, body, onClick) {
  if (permission() !== 'granted') return null;
  try {
    const n = new window.Notification(title, { body, tag: 'shopchat-routed' });
    n.onclick = () => { window.focus(); if (onClick) onClick(); n.close(); };
    return n;
  } catch {
    return null;
  }
}

/** "(3) shopchat": the number of chats waiting for this agent, in the tab title. */
export function titleBadge(count) {
  document.title = count > 0 ? `(${count}) shopchat` : 'shopchat';
}
