// Scanning the next venue with the camera: getUserMedia, then the browser's BarcodeDetector, or
// where it has none the barcode-detector ponyfill over zxing-wasm, loaded on first use from this
// origin (never its default CDN).
let detectorPromise;

async function detector() {
  detectorPromise ??= (async () => {
    if ("BarcodeDetector" in globalThis) {
      const formats = await globalThis.BarcodeDetector.getSupportedFormats();
      if (formats.includes("qr_code")) return new globalThis.BarcodeDetector({ formats: ["qr_code"] });
    }
    const [{ BarcodeDetector, prepareZXingModule }, wasm] = await Promise.all([
      import("barcode-detector/ponyfill"),
      import("./zxing-wasm-url.js"),
    ]);
    const url = new URL(wasm.default, import.meta.url).href;
    prepareZXingModule({
      overrides: { locateFile: (p, prefix) => (p.endsWith(".wasm") ? url : prefix + p) },
    });
    return new BarcodeDetector({ formats: ["qr_code"] });
  })();
  return detectorPromise;
}

/**
 * Opens the back camera in `video` and calls `onCode(text)` with the first venue code seen.
 * Returns a function that stops the camera.
 */
export async function startScanner(video, onCode) {
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { facingMode: { ideal: "environment" } },
    audio: false,
  });
  video.srcObject = stream;
  video.setAttribute("playsinline", "");
  video.muted = true;
  await video.play();
  const d = await detector();
  let stopped = false;
  const stop = () => {
    stopped = true;
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
  };
  const tick = async () => {
    if (stopped) return;
    try {
      if (video.readyState >= 2) {
        const codes = await d.detect(video);
        const hit = codes.find((c) => typeof c.rawValue === "string" && c.rawValue.includes("#"));
        if (hit && !stopped) {
          stop();
          onCode(hit.rawValue);
          return;
        }
      }
    } catch {
      // A frame that could not be read: try the next one.
    }
    setTimeout(tick, 150);
  };
  tick();
  return stop;
}
