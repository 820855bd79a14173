import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startExampleServer, type ExampleServer } from '../examples/browser/server.js';
import { datasets, loadModel, saveModel, utils } from '../src/index.js';

// The browser example end to end in real headless Chromium (Debian's `chromium`, as the dashboard
// test): the page trains the lecture MLP for one epoch on the wasm backend from the served MNIST
// files, classifies test digits painted on its drawing pad, saves the model as a download, which
// Node then loads and evaluates; the predict page loads .keras files written in the page and in Node.
// No Chromium, no pass.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUT = join(process.cwd(), 'test-output');

let browser: Browser;
let server: ExampleServer;

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
  server = await startExampleServer({ port: 0 });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

interface PageState {
  status: string;
  backend?: string;
  threads?: number;
  isolated?: boolean;
  testAccuracy?: number;
  testLoss?: number;
  trainSeconds?: number;
  batches: [number, number][];
  epochs: { epoch: number; seconds: number; samplesPerSecond: number; loss: number; val_loss: number }[];
  errors: string[];
  layers?: string[];
}

const state = (page: Page): Promise<PageState> =>
  page.evaluate(() => (globalThis as unknown as { example: PageState }).example);

async function waitFor(page: Page, statuses: string[], timeout: number): Promise<PageState> {
  await page.waitForFunction(
    (s) => s.includes((globalThis as unknown as { example?: PageState }).example?.status ?? ''),
    statuses,
    { timeout, polling: 250 },
  );
  return state(page);
}

/** Node's test accuracy of a model file on MNIST's test set. */
async function nodeTestAccuracy(file: string): Promise<number> {
  const model = await loadModel(file);
  const [, [xTestRaw, yClassTest]] = datasets.mnist.loadData();
  const xTest = xTestRaw.reshape([xTestRaw.shape[0]!, 784]).astype('float32').div(255);
  const [, accuracy] = await model.evaluate(xTest, utils.toCategorical(yClassTest, 10), { verbose: 0 });
  return accuracy!;
}

const savedByPage = join(OUT, 'browser-mnist-mlp.keras');

test('the browser example trains the lecture MLP for one epoch on wasm to >= 95% and classifies drawn digits', async () => {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const consoleErrors: string[] = [];
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  await page.goto(`${server.url}?model=mlp&epochs=1&autostart=1`);
  const s = await waitFor(page, ['done', 'failed'], 240_000);
  assert.deepEqual(s.errors, []);
  assert.equal(s.status, 'done');
  assert.equal(s.backend, 'wasm');
  // The served page is cross-origin isolated, so loadWasm() picks the threaded module, one thread
  // per core the page reports (its workers over the module's shared memory).
  assert.equal(s.isolated, true);
  const cores = await page.evaluate(
    () => (globalThis as unknown as { navigator: { hardwareConcurrency: number } }).navigator.hardwareConcurrency,
  );
  assert.equal(s.threads, Math.min(cores, 256), `the page runs ${s.threads} wasm threads on ${cores} cores`);
  assert.equal(s.epochs.length, 1);
  // 60000 samples in batches of 200, each reported to the live curve.
  assert.equal(s.batches.length, 300);
  assert.ok(s.batches.every(([, loss]) => Number.isFinite(loss)));
  assert.ok(s.batches[299]![1] < s.batches[0]![1] / 3, `loss fell from ${s.batches[0]![1]} to ${s.batches[299]![1]}`);
  assert.ok(s.testAccuracy! >= 0.95, `test accuracy after one epoch: ${s.testAccuracy}`);
  console.log(
    `browser MLP epoch: ${s.epochs[0]!.seconds.toFixed(1)} s (${Math.round(s.epochs[0]!.samplesPerSecond)} samples/s incl. the test pass), test accuracy ${s.testAccuracy}`,
  );

  // Test digits painted on the pad go through the page's drawing-to-input path.
  const guesses = await page.evaluate(() =>
    Array.from({ length: 20 }, (_, i) =>
      (globalThis as unknown as { example: { drawTestDigit(i: number): [number, number] } }).example.drawTestDigit(i),
    ),
  );
  const right = guesses.filter(([g, l]) => g === l).length;
  assert.ok(right >= 16, `drawn test digits read right: ${right} of 20 (${JSON.stringify(guesses)})`);
  assert.match(await page.locator('#guess').innerText(), /^I read a \d\.$/);

  const shot = join(OUT, 'browser-example.png');
  await page.screenshot({ path: shot, fullPage: true });
  assert.ok(statSync(shot).size > 10_000);

  // Save .keras: a download that Node's loader reads, with the page's accuracy.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save')]);
  assert.equal(download.suggestedFilename(), 'mnist-mlp.keras');
  await download.saveAs(savedByPage);
  const nodeAccuracy = await nodeTestAccuracy(savedByPage);
  assert.ok(
    Math.abs(nodeAccuracy - s.testAccuracy!) <= 0.002,
    `Node reads the page's model at ${nodeAccuracy}, the page measured ${s.testAccuracy}`,
  );
  assert.deepEqual(consoleErrors, []);
  await page.close();
});

test('the lecture CNN trains in the page on wasm (a short epoch: 2000 samples, 1000 test images)', async () => {
  const page = await browser.newPage();
  await page.goto(`${server.url}?model=cnn&epochs=1&samples=2000&test=1000&autostart=1`);
  const s = await waitFor(page, ['done', 'failed'], 240_000);
  assert.deepEqual(s.errors, []);
  assert.equal(s.status, 'done');
  assert.equal(s.backend, 'wasm');
  assert.equal(s.batches.length, 10);
  assert.ok(s.batches[9]![1] < s.batches[0]![1], `loss ${s.batches[0]![1]} -> ${s.batches[9]![1]}`);
  // Ten batches of Adam take the CNN well past chance (10%) on held-out digits.
  assert.ok(s.testAccuracy! >= 0.6, `CNN test accuracy after 2000 samples: ${s.testAccuracy}`);
  console.log(
    `browser CNN, 2000 samples: ${s.epochs[0]!.seconds.toFixed(1)} s incl. 1000 test images, test accuracy ${s.testAccuracy}`,
  );
  const guesses = await page.evaluate(() =>
    Array.from({ length: 10 }, (_, i) =>
      (globalThis as unknown as { example: { drawTestDigit(i: number): [number, number] } }).example.drawTestDigit(i),
    ),
  );
  assert.ok(guesses.filter(([g, l]) => g === l).length >= 5, JSON.stringify(guesses));
  await page.close();
});

test('the predict page loads .keras files saved in the page and in Node, and classifies drawn digits', async () => {
  assert.ok(existsSync(savedByPage), 'the training test above saves the model this test loads');
  // A file written by Node's saveModel, served as /model.keras.
  const savedByNode = join(OUT, 'browser-mnist-mlp-node.keras');
  await saveModel(await loadModel(savedByPage), savedByNode);
  const withModel = await startExampleServer({ port: 0, model: savedByNode });
  try {
    const page = await browser.newPage();
    await page.goto(`${withModel.url}predict.html?model=/model.keras`);
    let s = await waitFor(page, ['loaded', 'failed'], 60_000);
    assert.deepEqual(s.errors, []);
    assert.equal(s.backend, 'wasm');
    assert.deepEqual(s.layers, ['dense', 'dense_1']);
    const drawn = async () => {
      const pairs = await page.evaluate(() =>
        (
          globalThis as unknown as { example: { drawTestDigits(n: number): Promise<[number, number][]> } }
        ).example.drawTestDigits(20),
      );
      return pairs.filter(([g, l]) => g === l).length;
    };
    assert.ok((await drawn()) >= 16);

    // The page's own download, through a file input (a File, read as a Blob).
    const picking = () =>
      page.evaluate(() => {
        (globalThis as unknown as { example: PageState }).example.status = 'picking';
      });
    await picking();
    await page.setInputFiles('#file', savedByPage);
    s = await waitFor(page, ['loaded', 'failed'], 60_000);
    assert.deepEqual(s.errors, []);
    assert.match(await page.locator('#status').innerText(), /browser-mnist-mlp\.keras: loaded/);
    assert.ok((await drawn()) >= 16);

    // A damaged file is refused with the loader's message, not a crash.
    const bytes = readFileSync(savedByPage);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    await picking();
    await page.setInputFiles('#file', { name: 'damaged.keras', mimeType: 'application/zip', buffer: bytes });
    s = await waitFor(page, ['failed'], 60_000);
    assert.match(s.errors.at(-1)!, /Damaged or invalid file 'damaged\.keras'/);
    await page.close();
  } finally {
    await withModel.close();
  }
});
