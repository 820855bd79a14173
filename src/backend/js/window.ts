import type { FloatArray } from '../../core/dtype.js';
import type { WindowGeometry } from '../backend.js';

/** Input coordinate of tap k at output o along one axis, or -1 in the padding. */
function coord(o: number, k: number, stride: number, dilation: number, pad: number, size: number): number {
  const i = o * stride + k * dilation - pad;
  return i >= 0 && i < size ? i : -1;
}

export function im2col(x: FloatArray, g: WindowGeometry, out: FloatArray): void {
  const { c } = g;
  let o = 0;
  for (let img = 0; img < g.n; img++) {
    const base = img * g.h * g.w * c;
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++) {
        for (let ki = 0; ki < g.kh; ki++) {
          const ih = coord(oh, ki, g.strideH, g.dilationH, g.padTop, g.h);
          for (let kj = 0; kj < g.kw; kj++, o += c) {
            const iw = ih < 0 ? -1 : coord(ow, kj, g.strideW, g.dilationW, g.padLeft, g.w);
            if (iw < 0) out.fill(0, o, o + c);
            else {
              const src = base + (ih * g.w + iw) * c;
              out.set(x.subarray(src, src + c), o);
            }
          }
        }
      }
    }
  }
}

export function col2im(cols: FloatArray, g: WindowGeometry, out: FloatArray): void {
  const { c } = g;
  let s = 0;
  for (let img = 0; img < g.n; img++) {
    const base = img * g.h * g.w * c;
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++) {
        for (let ki = 0; ki < g.kh; ki++) {
          const ih = coord(oh, ki, g.strideH, g.dilationH, g.padTop, g.h);
          for (let kj = 0; kj < g.kw; kj++, s += c) {
            const iw = ih < 0 ? -1 : coord(ow, kj, g.strideW, g.dilationW, g.padLeft, g.w);
            if (iw < 0) continue;
            const dst = base + (ih * g.w + iw) * c;
            for (let ch = 0; ch < c; ch++) out[dst + ch]! += cols[s + ch]!;
          }
        }
      }
    }
  }
}

export function maxPool(x: FloatArray, g: WindowGeometry, out: FloatArray, argmax: Int32Array): void {
  const { c } = g;
  for (let img = 0; img < g.n; img++) {
    const base = img * g.h * g.w * c;
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++) {
        const o = ((img * g.outH + oh) * g.outW + ow) * c;
        let any = false;
        for (let ki = 0; ki < g.kh; ki++) {
          const ih = coord(oh, ki, g.strideH, g.dilationH, g.padTop, g.h);
          if (ih < 0) continue;
          for (let kj = 0; kj < g.kw; kj++) {
            const iw = coord(ow, kj, g.strideW, g.dilationW, g.padLeft, g.w);
            if (iw < 0) continue;
            const pos = ih * g.w + iw;
            const src = base + pos * c;
            // The first real tap starts the max; only a strictly greater value replaces it.
            for (let ch = 0; ch < c; ch++) {
              const v = x[src + ch]!;
              if (!any || v > out[o + ch]!) {
                out[o + ch] = v;
                argmax[o + ch] = pos;
              }
            }
            any = true;
          }
        }
        if (!any && c > 0) throw new Error('maxPool: a window lies entirely in the padding.');
      }
    }
  }
}

export function maxPoolGrad(grad: FloatArray, argmax: Int32Array, g: WindowGeometry, out: FloatArray): void {
  const { c } = g;
  const hw = g.h * g.w;
  const positions = g.outH * g.outW;
  out.fill(0, 0, g.n * hw * c);
  for (let img = 0; img < g.n; img++) {
    const base = img * hw * c;
    for (let i = img * positions * c, end = i + positions * c, ch = 0; i < end; i++, ch = ch + 1 === c ? 0 : ch + 1) {
      const p = argmax[i]!;
      if (p < 0 || p >= hw) throw new Error(`maxPoolGrad: argmax index ${p} is out of range.`);
      out[base + p * c + ch]! += grad[i]!;
    }
  }
}
