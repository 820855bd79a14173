import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

// Compiled to dist/test/, so the sources are two folders up.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The core must run in a browser: nothing under these folders may import Node's modules. */
const CORE = [
  'src/core',
  'src/backend/js',
  'src/ops',
  'src/layers',
  'src/models',
  'src/losses',
  'src/metrics',
  'src/optimizers',
  'src/preprocessing',
  'src/utils',
  'src/data',
];
/** Files of the core's folders that sit at the Node edge (Node's entry point exports them). */
const NODE_EDGE_FILES = new Set(['src/data/worker-map.ts', 'src/data/worker-map-worker.ts', 'src/data/node-index.ts']);
/** The Node-free parts of callbacks; file-writing ones (and the dashboard) sit at the Node edge. */
const NODE_EDGE_CALLBACKS = new Set(['model-checkpoint.ts', 'csv-logger.ts', 'node-index.ts', 'dashboard.ts']);

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return tsFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

const NODE_IMPORT = /from\s+'(node:[^']+|fs|path|os|child_process|http|zlib|module|url)'/;

test('the core imports nothing from Node', () => {
  const offenders: string[] = [];
  const files = [
    ...CORE.flatMap((d) => tsFiles(join(root, d))).filter((f) => !NODE_EDGE_FILES.has(relative(root, f))),
    join(root, 'src/core.ts'),
    ...tsFiles(join(root, 'src/callbacks')).filter(
      (f) => !NODE_EDGE_CALLBACKS.has(f.split('/').pop()!) && !f.includes('/dashboard/'),
    ),
  ];
  for (const f of files) {
    const m = readFileSync(f, 'utf8').match(NODE_IMPORT);
    if (m) offenders.push(`${relative(root, f)} imports ${m[1]}`);
  }
  assert.deepEqual(offenders, []);
  assert.ok(files.length > 40, `scanned only ${files.length} files`);
});
