import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Tensor } from '../src/core/tensor.js';
import { asciiDigit, pixelDump } from '../src/viz/index.js';

const img = new Tensor(new Uint8Array([0, 128, 255, 0, 0, 0, 255, 255, 0, 7, 0, 0]), [4, 3]);

test("pixelDump prints each pixel as the lecture's '%d\\t' with a newline per row", () => {
  assert.equal(pixelDump(img), '0\t128\t255\t\n0\t0\t0\t\n255\t255\t0\t\n7\t0\t0\t\n');
  // [h, w, 1] and float 0..1 images print the same 0..255 levels.
  const f = new Tensor(
    Float32Array.from(img.data, (v) => v / 255),
    [4, 3, 1],
  );
  assert.equal(pixelDump(f), pixelDump(img));
  assert.equal(
    pixelDump([
      [1, 2],
      [3, 4],
    ]),
    '1\t2\t\n3\t4\t\n',
  );
});

test('asciiDigit packs two pixel rows per character with half blocks', () => {
  // rows 0+1 -> ▀ for (255 over 0); rows 2+3 -> ▀ ▀ and blank.
  assert.equal(asciiDigit(img), ' ▀▀\n▀▀\n');
  const full = new Tensor(new Uint8Array([255, 0, 255, 255]), [2, 2]);
  assert.equal(asciiDigit(full), '█▄\n');
  const bottom = new Tensor(new Uint8Array([0, 255]), [2, 1]);
  assert.equal(asciiDigit(bottom), '▄\n');
});

test('asciiDigit shade mode shows intensity with two characters per pixel', () => {
  const ramp = new Tensor(new Uint8Array([0, 64, 128, 191, 255]), [1, 5]);
  assert.equal(asciiDigit(ramp, { mode: 'shade' }), '  ░░▒▒▓▓██\n');
});

test('a 28x28 digit is 14 lines of at most 28 characters', () => {
  const data = new Uint8Array(784);
  for (let y = 4; y < 24; y++) data[y * 28 + 14] = 255;
  const lines = asciiDigit(new Tensor(data, [28, 28]))
    .split('\n')
    .slice(0, -1);
  assert.equal(lines.length, 14);
  assert.ok(lines.every((l) => [...l].length <= 28));
  assert.equal(lines[5], ' '.repeat(14) + '█');
});
