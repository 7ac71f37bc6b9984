/* global window, document */
// Placeholder renderer (plain script, no inline code: the CSP forbids it). It uses only
// window.kiosk, the preload's bridge: camera frames out, results and status in.
const kiosk = window.kiosk;
const FRAME_INTERVAL_MS = 200;

function showStatus(status) {
  const parts = [`agent ${status.agent}`, `provisioning ${status.provisioning}`, `key ${status.dataKey}`];
  if (status.queueDepth !== null) parts.push(`queue ${status.queueDepth}`);
  document.getElementById('status').textContent = [parts.join(' · '), ...status.warnings].join(' — ');
}

kiosk.onStatus(showStatus);
kiosk.getStatus().then(showStatus);
kiosk.onPunch((punch) => {
  document.getElementById('result').textContent = punch.message;
});

async function startCamera() {
  const video = document.getElementById('camera');
  video.srcObject = await navigator.mediaDevices.getUserMedia({
    video: { width: 640, height: 480 },
    audio: false,
  });
  const canvas = document.createElement('canvas');
  const capture = () => {
    if (video.videoWidth === 0) return;
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext('2d').drawImage(video, 0, 0);
    canvas.toBlob(
      async (blob) => {
        if (!blob) return;
        kiosk.postFrame({
          data: new Uint8Array(await blob.arrayBuffer()),
          mimeType: 'image/jpeg',
          capturedAt: Date.now(),
        });
      },
      'image/jpeg',
      0.85,
    );
  };
  setInterval(capture, FRAME_INTERVAL_MS);
}

startCamera().catch((error) => {
  document.getElementById('result').textContent = `Camera unavailable (${error.name}); use the keypad`;
});
