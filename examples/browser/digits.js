// Shared by both pages: MNIST from the server, the drawing pad, and turning a drawing into the
// 28x28 input MNIST's digits look like (the digit's box scaled to 20x20, centred by mass).

/** Fetches one IDX file (/mnist/<name>) and returns its shape and bytes. */
export async function fetchIdx(name) {
  const res = await fetch(`/mnist/${name}`);
  if (!res.ok) throw new Error(`/mnist/${name}: HTTP ${res.status}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const view = new DataView(bytes.buffer);
  if (bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== 0x08) throw new Error(`${name}: not a uint8 IDX file`);
  const rank = bytes[3];
  const shape = [];
  for (let i = 0; i < rank; i++) shape.push(view.getUint32(4 + 4 * i));
  const size = shape.reduce((a, b) => a * b, 1);
  const data = bytes.subarray(4 + 4 * rank);
  if (data.length !== size) throw new Error(`${name}: ${data.length} bytes for shape [${shape}]`);
  return { shape, data };
}

/** A canvas to draw on with mouse, pen or touch (white on black, as MNIST). */
export function drawingPad(canvas) {
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const clear = () => {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
  };
  clear();
  let last = null;
  const at = (e) => {
    const r = canvas.getBoundingClientRect();
    return [((e.clientX - r.left) * canvas.width) / r.width, ((e.clientY - r.top) * canvas.height) / r.height];
  };
  canvas.addEventListener('pointerdown', (e) => {
    canvas.setPointerCapture(e.pointerId);
    last = at(e);
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!last) return;
    const p = at(e);
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = canvas.width / 14;
    ctx.lineCap = 'round';
    ctx.beginPath();
    ctx.moveTo(...last);
    ctx.lineTo(...p);
    ctx.stroke();
    last = p;
  });
  const end = () => {
    if (last) canvas.dispatchEvent(new Event('drawn'));
    last = null;
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  return { canvas, ctx, clear };
}

/** Paints a 28x28 uint8 image onto the pad (used by the test to "draw" a known digit). */
export function paintDigit(pad, pixels) {
  const small = document.createElement('canvas');
  small.width = small.height = 28;
  const img = small.getContext('2d').createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = pixels[i];
    img.data[4 * i + 3] = 255;
  }
  small.getContext('2d').putImageData(img, 0, 0);
  pad.clear();
  pad.ctx.imageSmoothingEnabled = true;
  pad.ctx.drawImage(small, 0, 0, pad.canvas.width, pad.canvas.height);
}

/**
 * The drawing as 784 floats in [0, 1], laid out as MNIST's digits: the ink's bounding box scaled
 * to fit 20x20, then placed so its centre of mass is at the centre of the 28x28 image. Null when
 * nothing is drawn.
 */
export function padToInput(pad) {
  const { canvas, ctx } = pad;
  const w = canvas.width;
  const h = canvas.height;
  const src = ctx.getImageData(0, 0, w, h).data;
  let x0 = w;
  let y0 = h;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      if (src[4 * (y * w + x)] > 32) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
  if (x1 < 0) return null;
  const bw = x1 - x0 + 1;
  const bh = y1 - y0 + 1;
  const scale = 20 / Math.max(bw, bh);
  const box = document.createElement('canvas');
  box.width = box.height = 28;
  const bctx = box.getContext('2d', { willReadFrequently: true });
  bctx.fillStyle = '#000';
  bctx.fillRect(0, 0, 28, 28);
  bctx.imageSmoothingEnabled = true;
  bctx.imageSmoothingQuality = 'high';
  const dw = bw * scale;
  const dh = bh * scale;
  bctx.drawImage(canvas, x0, y0, bw, bh, (28 - dw) / 2, (28 - dh) / 2, dw, dh);
  const px = bctx.getImageData(0, 0, 28, 28).data;
  const g = new Float32Array(784);
  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < 784; i++) {
    const v = px[4 * i] / 255;
    g[i] = v;
    mass += v;
    mx += v * (i % 28);
    my += v * Math.floor(i / 28);
  }
  // Shift by whole pixels so the centre of mass lands on (13.5, 13.5) as near as it can.
  const sx = Math.round(13.5 - mx / mass);
  const sy = Math.round(13.5 - my / mass);
  const out = new Float32Array(784);
  for (let y = 0; y < 28; y++)
    for (let x = 0; x < 28; x++) {
      const fx = x - sx;
      const fy = y - sy;
      if (fx >= 0 && fx < 28 && fy >= 0 && fy < 28) out[y * 28 + x] = g[fy * 28 + fx];
    }
  return out;
}

/** Shows ten class probabilities as bars; returns the most likely digit. */
export function showProbabilities(el, probs) {
  let best = 0;
  for (let k = 1; k < 10; k++) if (probs[k] > probs[best]) best = k;
  el.innerHTML = '';
  for (let k = 0; k < 10; k++) {
    const row = document.createElement('div');
    row.className = 'bar' + (k === best ? ' best' : '');
    row.innerHTML = `<span>${k}</span><i style="width:${(100 * probs[k]).toFixed(1)}%"></i><b>${(100 * probs[k]).toFixed(1)}%</b>`;
    el.appendChild(row);
  }
  return best;
}
