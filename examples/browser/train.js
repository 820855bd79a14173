// The training page: MNIST from the server, the lecture's MLP or CNN trained on the wasm backend
// with a live loss curve, then digits drawn on the pad classified. State for the e2e test and
// anyone curious is in `window.example`. URL parameters: ?model=mlp|cnn&epochs=N&samples=N&test=N&autostart=1 (test: how many
// test images to evaluate on, default all 10000)
import * as ds from '/deepscript/deepscript.js';
import { drawingPad, fetchIdx, padToInput, paintDigit, showProbabilities } from './digits.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const example = (window.example = { status: 'loading', batches: [], epochs: [], errors: [] });
const status = (text) => {
  $('status').textContent = text;
};
window.addEventListener('error', (e) => example.errors.push(String(e.message)));
window.addEventListener('unhandledrejection', (e) => example.errors.push(String(e.reason?.stack ?? e.reason)));

for (const [key, id] of [
  ['model', 'model'],
  ['epochs', 'epochs'],
  ['samples', 'samples'],
])
  if (params.has(key)) $(id).value = params.get(key);

// ---- the loss curve ----
const curve = $('curve');
function drawCurve() {
  const g = curve.getContext('2d');
  const W = curve.width;
  const H = curve.height;
  const L = 50;
  const B = 30;
  g.clearRect(0, 0, W, H);
  const pts = example.batches;
  const val = example.epochs.map((e) => [e.epoch + 1, e.val_loss]);
  const total = Math.max(1, Number($('epochs').value), ...val.map((v) => v[0]));
  const ys = [...pts.map((p) => p[1]), ...val.map((v) => v[1])].filter(Number.isFinite);
  const yMax = ys.length ? Math.max(...ys) * 1.05 : 1;
  const X = (x) => L + ((W - L - 10) * x) / total;
  const Y = (y) => H - B - ((H - B - 10) * y) / yMax;
  g.strokeStyle = '#999';
  g.fillStyle = '#444';
  g.font = '11px sans-serif';
  g.beginPath();
  g.moveTo(L, 10);
  g.lineTo(L, H - B);
  g.lineTo(W - 10, H - B);
  g.stroke();
  for (let k = 0; k <= 4; k++) {
    const y = (yMax * k) / 4;
    g.fillText(y.toFixed(2), 5, Y(y) + 4);
  }
  for (let e = 0; e <= total; e++) g.fillText(String(e), X(e) - 3, H - B + 14);
  g.fillText('epoch', W / 2, H - 4);
  const line = (points, color) => {
    g.strokeStyle = color;
    g.lineWidth = 2;
    g.beginPath();
    points.forEach(([x, y], i) => (i ? g.lineTo(X(x), Y(y)) : g.moveTo(X(x), Y(y))));
    g.stroke();
    g.fillStyle = color;
    if (points.length < 40) for (const [x, y] of points) g.fillRect(X(x) - 2, Y(y) - 2, 5, 5);
  };
  line(pts, '#1f77b4');
  line(val, '#d62728');
}
let drawPending = false;
const redraw = () => {
  if (drawPending) return;
  drawPending = true;
  requestAnimationFrame(() => {
    drawPending = false;
    drawCurve();
  });
};

// ---- models ----
function buildModel(kind) {
  const L = ds.layers;
  const model = new ds.Sequential();
  if (kind === 'cnn') {
    model.add(new L.Conv2D(32, [3, 3], { inputShape: [28, 28, 1], activation: 'relu' }));
    model.add(new L.Conv2D(64, [3, 3], { activation: 'relu' }));
    model.add(new L.MaxPooling2D({ poolSize: 2 }));
    model.add(new L.Dropout(0.25));
    model.add(new L.Flatten());
    model.add(new L.Dense(128, { activation: 'relu' }));
    model.add(new L.Dropout(0.5));
    model.add(new L.Dense(10, { activation: 'softmax' }));
  } else {
    model.add(new L.Dense(512, { inputDim: 784, activation: 'relu' }));
    model.add(new L.Dense(10, { activation: 'softmax' }));
  }
  model.compile({ loss: 'categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });
  return model;
}

/** Images as the model wants them: [n, 784] or [n, 28, 28, 1], float32 in [0, 1]. */
const inputsFor = (kind, images, n) =>
  images
    .slice([0], [n])
    .reshape(kind === 'cnn' ? [n, 28, 28, 1] : [n, 784])
    .astype('float32')
    .div(255);

// ---- start-up ----
let mnist;
let model = null;
let modelKind = null;
try {
  const t0 = performance.now();
  const wasm = await ds.loadWasm();
  example.backend = ds.getBackend();
  // The threaded module where the page is cross-origin isolated (the server sends COOP/COEP).
  example.threads = wasm.numThreads;
  example.isolated = globalThis.crossOriginIsolated === true;
  status(
    `backend: ${example.backend} (${example.threads} thread${example.threads === 1 ? '' : 's'}); fetching MNIST...`,
  );
  const [ti, tl, vi, vl] = await Promise.all(
    ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'].map(
      fetchIdx,
    ),
  );
  mnist = {
    trainImages: new ds.Tensor(ti.data, ti.shape, 'uint8'),
    trainLabels: new ds.Tensor(tl.data, tl.shape, 'uint8'),
    testImages: new ds.Tensor(vi.data, vi.shape, 'uint8'),
    testLabels: new ds.Tensor(vl.data, vl.shape, 'uint8'),
    testPixels: vi.data,
    testLabelBytes: vl.data,
  };
  example.loadSeconds = (performance.now() - t0) / 1000;
  status(
    `backend: ${example.backend}; MNIST: ${ti.shape[0]} training and ${vi.shape[0]} test images ` +
      `(loaded in ${example.loadSeconds.toFixed(1)} s). Choose a model and train.`,
  );
  example.status = 'ready';
  $('train').disabled = false;
} catch (e) {
  example.status = 'failed';
  example.errors.push(String(e?.stack ?? e));
  status(`failed: ${e?.message ?? e}`);
}

async function train() {
  const kind = $('model').value;
  const epochs = Math.max(1, Math.floor(Number($('epochs').value)));
  const n = Math.min(60000, Math.max(200, Math.floor(Number($('samples').value))));
  $('train').disabled = $('save').disabled = true;
  $('stop').disabled = false;
  example.status = 'training';
  example.batches = [];
  example.epochs = [];
  example.model = kind;
  try {
    ds.setRandomSeed(0);
    const xTrain = inputsFor(kind, mnist.trainImages, n);
    const yTrain = ds.utils.toCategorical(mnist.trainLabels.slice([0], [n]), 10);
    const nTest = Math.min(mnist.testImages.shape[0], Math.max(1, Math.floor(Number(params.get('test') ?? 1e9))));
    const xTest = inputsFor(kind, mnist.testImages, nTest);
    const yTest = ds.utils.toCategorical(mnist.testLabels.slice([0], [nTest]), 10);
    model = buildModel(kind);
    modelKind = kind;
    const lines = [];
    model.summary((l) => lines.push(l));
    console.log(lines.join('\n'));
    const steps = Math.ceil(n / 200);
    let epochStart = 0;
    let currentEpoch = 0;
    const started = performance.now();
    await model.fit(xTrain, yTrain, {
      epochs,
      batchSize: 200,
      validationData: [xTest, yTest],
      verbose: 0,
      callbacks: [
        new ds.callbacks.LambdaCallback({
          onEpochBegin: (epoch) => {
            currentEpoch = epoch;
            epochStart = performance.now();
          },
          onBatchEnd: (batch, logs) => {
            example.batches.push([currentEpoch + (batch + 1) / steps, logs.loss]);
            status(
              `${kind} epoch ${currentEpoch + 1}/${epochs}, batch ${batch + 1}/${steps}: loss ${logs.loss.toFixed(4)}`,
            );
            redraw();
          },
          onEpochEnd: (epoch, logs) => {
            const seconds = (performance.now() - epochStart) / 1000;
            example.epochs.push({ epoch, seconds, samplesPerSecond: n / seconds, ...logs });
            redraw();
          },
        }),
      ],
    });
    example.trainSeconds = (performance.now() - started) / 1000;
    example.testSamples = nTest;
    const [testLoss, testAccuracy] = await model.evaluate(xTest, yTest, { verbose: 0 });
    Object.assign(example, { testLoss, testAccuracy });
    const last = example.epochs[example.epochs.length - 1];
    status(
      `${kind}: ${example.epochs.length} epoch(s) on ${n} samples in ${example.trainSeconds.toFixed(1)} s ` +
        `(last epoch ${last ? Math.round(last.samplesPerSecond) : '?'} samples/s incl. the test pass); ` +
        `test loss ${testLoss.toFixed(4)}, test accuracy ${(100 * testAccuracy).toFixed(2)}%. Draw a digit!`,
    );
    example.status = 'done';
  } catch (e) {
    example.status = 'failed';
    example.errors.push(String(e?.stack ?? e));
    status(`failed: ${e?.message ?? e}`);
  } finally {
    $('train').disabled = false;
    $('stop').disabled = true;
    $('save').disabled = model === null;
  }
}

// ---- drawing ----
const pad = drawingPad($('pad'));
function classify() {
  if (!model) {
    $('guess').textContent = 'train a model first';
    return null;
  }
  const input = padToInput(pad);
  if (!input) return null;
  const x = new ds.Tensor(input, modelKind === 'cnn' ? [1, 28, 28, 1] : [1, 784], 'float32');
  const probs = Array.from(model.predict(x, { verbose: 0 }).data);
  const digit = showProbabilities($('probs'), probs);
  $('guess').textContent = `I read a ${digit}.`;
  return digit;
}
pad.canvas.addEventListener('drawn', classify);
$('clear').addEventListener('click', () => {
  pad.clear();
  $('probs').innerHTML = '';
  $('guess').textContent = '';
});
$('train').addEventListener('click', train);
$('stop').addEventListener('click', () => {
  if (model) model.stopTraining = true;
});
$('save').addEventListener('click', () => ds.saveModel(model, `mnist-${modelKind}.keras`));

/** For the test: paints test image `i` on the pad and classifies it; returns [guess, label]. */
example.drawTestDigit = (i) => {
  paintDigit(pad, mnist.testPixels.subarray(784 * i, 784 * (i + 1)));
  return [classify(), mnist.testLabelBytes[i]];
};

if (params.get('autostart') === '1' && example.status === 'ready') train();
