import { deflateSync } from 'node:zlib';

// A tiny grayscale PNG encoder: images are embedded in SVG as data URLs, which is ~20x smaller than
// one <rect> per pixel and keeps grids of many digits light.

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/**
 * Encodes 8-bit gray pixels as PNG, each pixel blown up to a `scale`x`scale` block. Upscaling here
 * (instead of asking the renderer for nearest-neighbour sampling) keeps pixels crisp in every
 * renderer: resvg ignores `image-rendering: pixelated`.
 */
export function encodeGrayPng(width: number, height: number, gray: Uint8Array, scale = 1): Buffer {
  const s = Math.max(1, Math.floor(scale));
  const w = width * s;
  const h = height * s;
  const stride = w + 1;
  const rawRows = new Uint8Array(stride * h);
  for (let y = 0; y < h; y++) {
    const row = y * stride;
    if (y % s !== 0) {
      rawRows[row] = 2; // filter "Up": an all-zero row repeating the one above, compresses to nothing
      continue;
    }
    const src = Math.floor(y / s) * width;
    for (let x = 0; x < w; x++) rawRows[row + 1 + x] = gray[src + Math.floor(x / s)]!;
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grayscale
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rawRows, { level: 9 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

export function pngDataUrl(png: Uint8Array): string {
  return `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
}
