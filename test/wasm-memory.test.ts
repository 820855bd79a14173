// The wasm backend's memory design: while it is active, large tensors live in the module's memory
// and kernels read them in place; views keep their block alive; the buffer pool tells resident
// arrays apart although they share one ArrayBuffer; switching back to another backend stops it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getBackend, setBackend } from '../src/backend/registry.js';
import { wasmInfo } from '../src/backend/wasm/register.js';
import { RESIDENT_MIN_BYTES } from '../src/backend/wasm/wasm-memory.js';
import { STORAGE_OWNER, reachableBuffers, storageIdentity } from '../src/core/buffer-pool.js';
import { allocate, setArrayAllocator } from '../src/core/dtype.js';
import { setRandomSeed } from '../src/core/random.js';
import { Sequential } from '../src/models/sequential.js';
import { Dense } from '../src/layers/dense.js';
import * as ops from '../src/ops/index.js';
import { wasmBackend } from './helpers/native.js';

function withWasm<T>(fn: () => T): T {
  wasmBackend();
  const before = getBackend();
  setBackend('wasm');
  try {
    return fn();
  } finally {
    setBackend(before);
  }
}

test('large arrays are allocated in the module memory only while wasm is active', () => {
  const rt = withWasm(() => wasmInfo()!.runtime);
  const big = RESIDENT_MIN_BYTES / 4;
  withWasm(() => {
    const a = allocate('float32', big);
    assert.ok(rt.isResident(a), 'a large float32 array is resident');
    assert.ok(
      a.every((v) => v === 0),
      'zero-filled like a fresh typed array',
    );
    assert.ok(!rt.isResident(allocate('float32', 16)), 'small arrays stay on the JS heap');
    for (const dtype of ['float64', 'int32', 'uint8', 'bool'] as const) {
      assert.ok(rt.isResident(allocate(dtype, RESIDENT_MIN_BYTES)), dtype);
    }
  });
  assert.ok(!rt.isResident(allocate('float32', big)), 'not after switching back');
});

test('views of a resident array share its owner, and reachability follows owners, not the shared buffer', () => {
  withWasm(() => {
    const a = allocate('float32', 10000);
    const b = allocate('float32', 10000);
    assert.equal(a.buffer, b.buffer, 'both live in the one module memory');
    const view = a.subarray(100, 200);
    assert.equal(storageIdentity(view), storageIdentity(a));
    assert.notEqual(storageIdentity(a), storageIdentity(b));
    assert.ok((a as unknown as Record<symbol, unknown>)[STORAGE_OWNER]);
    const alive = reachableBuffers([{ kept: view }]);
    assert.ok(alive.has(storageIdentity(a)));
    assert.ok(!alive.has(storageIdentity(b)), 'an unreachable resident array can be released');
  });
});

test('training on wasm keeps its tensors resident: kernels copy little, and the loss matches js', () => {
  const train = (backend: string, resident = true): { losses: number[]; copied: number } => {
    const before = getBackend();
    setBackend(backend);
    // Without the resident allocator every tensor is an ordinary array that each kernel copies.
    if (!resident) setArrayAllocator(null);
    try {
      setRandomSeed(7);
      const x = ops.randomNormal([256, 64]);
      const labels = ops.tensor(
        Array.from({ length: 256 }, (_, i) => i % 5),
        [256],
        'int32',
      );
      const y = ops.oneHot(labels, 5);
      const model = new Sequential([
        new Dense(128, { inputDim: 64, activation: 'relu' }),
        new Dense(5, { activation: 'softmax' }),
      ]);
      model.compile({ loss: 'categorical_crossentropy', optimizer: 'adam' });
      const rt = wasmInfo()!.runtime;
      model.trainOnBatch(x, y);
      const copied0 = rt.copiedBytes;
      const losses: number[] = [];
      for (let i = 0; i < 5; i++) losses.push(model.trainOnBatch(x, y)[0]!);
      return { losses, copied: rt.copiedBytes - copied0 };
    } finally {
      setBackend(before);
    }
  };
  wasmBackend();
  const js = train('js');
  const wasm = train('wasm');
  const copying = train('wasm', false);
  wasm.losses.forEach((l, i) =>
    assert.ok(Math.abs(l - js.losses[i]!) < 1e-5 * Math.max(1, js.losses[i]!), `step ${i}: ${l} vs ${js.losses[i]}`),
  );
  assert.ok(js.losses[4]! < js.losses[0]!, 'the model learns');
  assert.deepEqual(copying.losses, wasm.losses, 'where the storage lives changes no result');
  // Only arrays under RESIDENT_MIN_BYTES (biases, per-row losses, the small last layer) are copied.
  assert.ok(
    wasm.copied * 5 < copying.copied,
    `resident: ${wasm.copied} bytes copied in 5 steps; all copied: ${copying.copied} bytes`,
  );
});
