// bench:browser's page: the lecture MLP (Dense 512 relu, Dense 10 softmax, Adam, batch 200) for
// one epoch of MNIST's 60000 training images, on deepscript's wasm backend and on TensorFlow.js's
// wasm backend (SIMD, threaded when the page is cross-origin isolated), alternating round by round.
// With model 'cnn', the lecture CNN (Conv2D 32 and 64 3x3 relu, MaxPooling 2, Dropout 0.25,
// Dense 128 relu, Dropout 0.5, Dense 10 softmax, Adam, batch 200) on the same images as 28x28x1.
// The runner (bench/browser.ts) calls window.bench.setup(...) and .epoch(...) and reads the results.
import * as ds from '/deepscript/deepscript.js';
import { fetchIdx } from '/digits.js';

const tf = globalThis.tf;
const log = (line) => {
  document.getElementById('log').textContent += '\n' + line;
};

async function setup({ threads }) {
  await ds.loadWasm();
  tf.wasm.setWasmPaths('/tfjs/@tensorflow/tfjs-backend-wasm/dist/');
  if (threads) tf.wasm.setThreadsCount(threads);
  await tf.setBackend('wasm');
  await tf.ready();
  const [ti, tl] = await Promise.all([fetchIdx('train-images-idx3-ubyte'), fetchIdx('train-labels-idx1-ubyte')]);
  const n = ti.shape[0];
  const pixels = new Float32Array(n * 784);
  for (let i = 0; i < pixels.length; i++) pixels[i] = ti.data[i] / 255;
  const onehot = new Float32Array(n * 10);
  for (let i = 0; i < n; i++) onehot[i * 10 + tl.data[i]] = 1;
  const info = {
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    tfjsVersion: tf.version.tfjs,
    tfjsBackend: tf.getBackend(),
    tfjsThreads: tf.wasm.getThreadsCount ? tf.wasm.getThreadsCount() : null,
    tfjsSimd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
    tfjsMultithread: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'),
    deepscriptBackend: ds.getBackend(),
    samples: n,
  };
  log(JSON.stringify(info));
  return { pixels, onehot, n, info };
}

function deepscriptData(data, n, model) {
  const shape = model === 'cnn' ? [n, 28, 28, 1] : [n, 784];
  return [
    new ds.Tensor(data.pixels.subarray(0, n * 784), shape, 'float32').mul(1),
    new ds.Tensor(data.onehot.subarray(0, n * 10), [n, 10], 'float32').mul(1),
  ];
}

function deepscriptModel(which) {
  const L = ds.layers;
  const model = new ds.Sequential();
  if (which === 'cnn') {
    model.add(new L.Conv2D(32, [3, 3], { inputShape: [28, 28, 1], activation: 'relu' }));
    model.add(new L.Conv2D(64, [3, 3], { activation: 'relu' }));
    model.add(new L.MaxPooling2D({ poolSize: 2 }));
    model.add(new L.Dropout(0.25));
    model.add(new L.Flatten());
    model.add(new L.Dense(128, { activation: 'relu' }));
    model.add(new L.Dropout(0.5));
  } else {
    model.add(new L.Dense(512, { inputDim: 784, activation: 'relu' }));
  }
  model.add(new L.Dense(10, { activation: 'softmax' }));
  return model;
}

async function deepscriptEpoch(data, n, which) {
  ds.setRandomSeed(0);
  const [x, y] = deepscriptData(data, n, which);
  const model = deepscriptModel(which);
  model.compile({ loss: 'categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });
  const t0 = performance.now();
  const h = await model.fit(x, y, { epochs: 1, batchSize: 200, verbose: 0 });
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, samplesPerSecond: n / seconds, loss: h.history.loss[0], accuracy: h.history.accuracy[0] };
}

async function tfjsEpoch(data, n, which) {
  const x = tf.tensor(data.pixels.subarray(0, n * 784), which === 'cnn' ? [n, 28, 28, 1] : [n, 784]);
  const y = tf.tensor2d(data.onehot.subarray(0, n * 10), [n, 10]);
  const model = tf.sequential();
  if (which === 'cnn') {
    model.add(tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }));
    model.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }));
    model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    model.add(tf.layers.dropout({ rate: 0.25 }));
    model.add(tf.layers.flatten());
    model.add(tf.layers.dense({ units: 128, activation: 'relu' }));
    model.add(tf.layers.dropout({ rate: 0.5 }));
  } else {
    model.add(tf.layers.dense({ units: 512, activation: 'relu', inputShape: [784] }));
  }
  model.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
  model.compile({ optimizer: tf.train.adam(0.001), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const t0 = performance.now();
  const h = await model.fit(x, y, { epochs: 1, batchSize: 200, shuffle: true, verbose: 0 });
  const seconds = (performance.now() - t0) / 1000;
  const acc = h.history.acc ?? h.history.accuracy;
  const out = { seconds, samplesPerSecond: n / seconds, loss: h.history.loss[0], accuracy: acc[0] };
  tf.dispose([x, y]);
  model.dispose();
  return out;
}

let data = null;
window.bench = {
  async setup(opts) {
    data = await setup(opts);
    return data.info;
  },
  /** One epoch of `samples` of `model` ('mlp' | 'cnn') on `which` ('deepscript' | 'tfjs'). */
  async epoch(which, samples, model = 'mlp') {
    const n = Math.min(samples, data.n);
    const r = which === 'tfjs' ? await tfjsEpoch(data, n, model) : await deepscriptEpoch(data, n, model);
    log(
      `${which} ${model} ${n}: ${r.seconds.toFixed(2)} s, ${Math.round(r.samplesPerSecond)} samples/s, loss ${r.loss.toFixed(4)}`,
    );
    return r;
  },
};
log('ready');
