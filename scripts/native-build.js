// Install step: builds the native addon with node-gyp. A failed build (no compiler, no Python)
// must not fail `npm install`: deepscript then runs on the prebuilt addon (Linux x64 with glibc),
// else on its 'wasm' backend, and the reason is kept in build/native-build-error.txt so the loader
// can say why once at run time.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const errorFile = join(root, 'build', 'native-build-error.txt');
const hint =
  'Install a C++17 toolchain (Debian/Ubuntu: apt-get install g++ make python3) and run `npm rebuild deepscript`.';

function findNodeGyp() {
  if (process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp))
    return process.env.npm_config_node_gyp;
  try {
    return createRequire(join(root, 'package.json')).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    // Not a local dependency: use the copy that ships with npm.
  }
  const prefix = dirname(dirname(process.execPath));
  for (const p of [
    join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    join(dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ]) {
    if (existsSync(p)) return p;
  }
  return null;
}

function fail(reason, output) {
  mkdirSync(dirname(errorFile), { recursive: true });
  const tail = (output ?? '').split('\n').slice(-40).join('\n');
  writeFileSync(errorFile, `${reason}\n${tail}\n`);
  console.warn(`\ndeepscript: the native CPU backend did not build (${reason}).`);
  const prebuilt = join(root, 'prebuilt', 'linux-x64-glibc', 'deepscript_native.node');
  if (process.platform === 'linux' && process.arch === 'x64' && existsSync(prebuilt)) {
    console.warn(
      `deepscript: it will use the prebuilt Linux x64 addon (${prebuilt}) if this system's glibc loads it.\n`,
    );
  } else {
    console.warn(`deepscript: it will run on the slower 'wasm' backend (WebAssembly, one thread). ${hint}\n`);
  }
  process.exit(0);
}

if (process.env.DEEPSCRIPT_SKIP_NATIVE_BUILD) fail('DEEPSCRIPT_SKIP_NATIVE_BUILD is set');
const gyp = findNodeGyp();
if (!gyp) fail('node-gyp was not found');

const args = [gyp, 'rebuild', '--jobs=max'];
// Use the headers installed next to node when present, so the build downloads nothing.
const prefix = dirname(dirname(process.execPath));
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h')))
  args.push(`--nodedir=${prefix}`);

const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
if (r.error) fail(`node-gyp could not run: ${r.error.message}`, output);
if (r.status !== 0) {
  const compiler = /not found|No such file|command not found|ENOENT/i.test(output)
    ? 'a compiler or build tool is missing'
    : 'compile error';
  fail(`node-gyp rebuild exited with code ${r.status}: ${compiler}`, output);
}
rmSync(errorFile, { force: true });
console.log('deepscript: native CPU backend built (build/Release/deepscript_native.node).');
