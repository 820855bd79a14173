/**
 * Setup of bench:infer: writes the lecture MLP's and CNN's weights (seed 0) and a sample batch
 * with deepscript's predictions as .npy files, exports both models to ONNX with Debian's
 * python3-torch (bench/infer/export_onnx.py, which checks PyTorch reproduces the predictions),
 * and installs onnxruntime-node into bench/infer/node_modules with install scripts off (its CPU
 * binary is in the npm tarball). onnxruntime-node is not a dependency of deepscript.
 *
 *   apt-get install python3-torch   # once
 *   npm run bench:infer:setup
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadNativeBackend } from '../src/backend/native/index.js';
import { randomUniform } from '../src/ops/creation.js';
import { writeNpy } from './npy.js';
import type { InferModelName } from './infer-models.js';
import { buildModel, inferDir, modelDir, sampleShape } from './infer-models.js';

loadNativeBackend({ silent: true });
for (const name of ['mlp', 'cnn'] as InferModelName[]) {
  const dir = modelDir(name);
  mkdirSync(dir, { recursive: true });
  const model = buildModel(name);
  model.getWeights().forEach((w, i) => writeNpy(join(dir, `w${i}.npy`), w));
  const x = randomUniform([8, ...sampleShape[name]], 0, 1);
  writeNpy(join(dir, 'x.npy'), x);
  writeNpy(join(dir, 'y.npy'), model.predict(x));
  console.log(`${name}: weights and sample batch written to ${dir}`);
}
execFileSync('/usr/bin/python3', [join(inferDir, 'export_onnx.py'), '--dir', join(inferDir, 'models')], {
  stdio: 'inherit',
});
execFileSync('npm', ['install', '--ignore-scripts', '--no-package-lock', '--no-audit', '--no-fund'], {
  cwd: inferDir,
  stdio: 'inherit',
});
console.log('bench:infer is set up: npm run bench:infer');
