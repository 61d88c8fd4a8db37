// The success and failure tones: colour and text are in the page; this plays the sound
// (WebAudio, no file to load) and says the verdict to screen readers.
let ctx;

/** Plays the tone of `kind` ("success": two rising notes; "failure": one low buzz). */
export function playTone(kind) {
  try {
    ctx ??= new AudioContext();
    const now = ctx.currentTime;
    const notes = kind === "success" ? [[880, 0], [1320, 0.14]] : [[220, 0], [196, 0.22]];
    for (const [freq, at] of notes) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = kind === "success" ? "sine" : "square";
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, now + at);
      gain.gain.exponentialRampToValueAtTime(0.2, now + at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + at + 0.2);
      osc.connect(gain).connect(ctx.destination);
      osc.start(now + at);
      osc.stop(now + at + 0.22);
    }
  } catch {
    // No audio (blocked before a tap, or absent): the colour and text still say it.
  }
}

/** Says `text` to screen readers through the live region. */
export function announce(text) {
  const el = document.getElementById("status");
  if (!el) return;
  el.textContent = "";
  // A fresh text node so that the same message is announced again.
  setTimeout(() => {
    el.textContent = text;
  }, 30);
}
