// The predict page: a .keras model from a file, a URL (?model=...) or the server's /model.keras,
// then digits drawn on the pad classified. State for the e2e test: `window.example`.
import * as ds from '/deepscript/deepscript.js';
import { drawingPad, fetchIdx, padToInput, paintDigit, showProbabilities } from './digits.js';

const $ = (id) => document.getElementById(id);
const example = (window.example = { status: 'loading', errors: [] });
const status = (text) => {
  $('status').textContent = text;
};
window.addEventListener('unhandledrejection', (e) => example.errors.push(String(e.reason?.stack ?? e.reason)));

let model = null;
let inputShape = null;

await ds.loadWasm();
example.backend = ds.getBackend();

async function load(source, label) {
  status(`loading ${label}...`);
  example.status = 'loading';
  try {
    const m = await ds.loadModel(source);
    const shape = m.inputs[0].shape.slice(1);
    const ok = (shape.length === 1 && shape[0] === 784) || (shape.length === 3 && shape.join() === '28,28,1');
    if (!ok) throw new Error(`the model takes input [${shape}], not an MNIST digit ([784] or [28, 28, 1])`);
    const out = m.outputs[0].shape.slice(1);
    if (out.length !== 1 || out[0] !== 10) throw new Error(`the model outputs [${out}], not 10 class scores`);
    model = m;
    inputShape = shape;
    const lines = [];
    model.summary((l) => lines.push(l));
    $('summary').textContent = lines.join('\n');
    status(`${label}: loaded (backend ${example.backend}). Draw a digit.`);
    example.status = 'loaded';
    example.layers = model.layers.map((l) => l.name);
  } catch (e) {
    example.status = 'failed';
    example.errors.push(String(e?.message ?? e));
    status(`${label}: ${e?.message ?? e}`);
  }
}

const pad = drawingPad($('pad'));
function classify() {
  if (!model) return null;
  const input = padToInput(pad);
  if (!input) return null;
  const probs = Array.from(model.predict(new ds.Tensor(input, [1, ...inputShape], 'float32'), { verbose: 0 }).data);
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
$('file').addEventListener('change', () => {
  const f = $('file').files[0];
  if (f) load(f, f.name);
});
$('fetch').addEventListener('click', () => load($('url').value, $('url').value));

/** For the test: classifies the first `count` MNIST test digits drawn on the pad; returns [guess, label] pairs. */
example.drawTestDigits = async (count) => {
  const [images, labels] = await Promise.all([fetchIdx('t10k-images-idx3-ubyte'), fetchIdx('t10k-labels-idx1-ubyte')]);
  const out = [];
  for (let i = 0; i < count; i++) {
    paintDigit(pad, images.data.subarray(784 * i, 784 * (i + 1)));
    out.push([classify(), labels.data[i]]);
  }
  return out;
};

const wanted = new URLSearchParams(location.search).get('model');
if (wanted) {
  $('url').value = wanted;
  await load(wanted, wanted);
} else {
  example.status = 'idle';
  status('Choose a .keras file.');
}
