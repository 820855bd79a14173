/**
 * Writes a sequence workload's data as `.npy` files for the PyTorch side of the RNN benchmarks
 * (bench/pytorch/reuters.py, imdb.py), so both frameworks train on the very arrays deepscript's
 * `datasets.*.loadData` + `padSequences` produce:
 *
 *   <dir>/x_train.npy  int32 [n, maxlen]    <dir>/y_train.npy  int32 [n]   (class ids)
 *   <dir>/x_test.npy   int32 [m, maxlen]    <dir>/y_test.npy   int32 [m]
 *   <dir>/meta.json    {workload, numWords, maxlen, classes, train, test}
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readNpy, writeNpy } from './npy.js';
import { imdbData } from './workloads/imdb.js';
import { reutersData } from './workloads/reuters.js';
import { transformerData } from './workloads/transformer.js';
import type { SequenceData } from './workloads/sequence-data.js';

export const SEQUENCE_WORKLOADS: Record<string, () => SequenceData> = {
  reuters: reutersData,
  imdb: imdbData,
  transformer: transformerData,
};

export interface SequenceMeta {
  workload: string;
  numWords: number;
  maxlen: number;
  classes: number;
  train: number;
  test: number;
}

const FILES = ['x_train', 'y_train', 'x_test', 'y_test'] as const;

/** Writes `data` to `dir` (created if needed) in the layout above. */
export function writeSequenceData(dir: string, workload: string, data: SequenceData): SequenceMeta {
  const { xTrain, yTrain, xTest, yTest } = data;
  for (const [name, x, y] of [
    ['train', xTrain, yTrain],
    ['test', xTest, yTest],
  ] as const) {
    if (x.dtype !== 'int32' || y.dtype !== 'int32' || x.rank !== 2 || y.rank !== 1 || x.shape[0] !== y.shape[0]) {
      throw new Error(
        `writeSequenceData: ${name} split needs int32 x [n, maxlen] and int32 y [n], got x ${x.dtype} ` +
          `[${x.shape.join(', ')}] and y ${y.dtype} [${y.shape.join(', ')}].`,
      );
    }
  }
  mkdirSync(dir, { recursive: true });
  const tensors = { x_train: xTrain, y_train: yTrain, x_test: xTest, y_test: yTest };
  for (const f of FILES) writeNpy(join(dir, `${f}.npy`), tensors[f]);
  const meta: SequenceMeta = {
    workload,
    numWords: data.numWords,
    maxlen: data.maxlen,
    classes: data.classes,
    train: xTrain.shape[0]!,
    test: xTest.shape[0]!,
  };
  writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
  return meta;
}

/** Reads back what `writeSequenceData` wrote (used by the tests; Python reads it with `np.load`). */
export function readSequenceData(dir: string): { meta: SequenceMeta; data: SequenceData } {
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as SequenceMeta;
  const [xTrain, yTrain, xTest, yTest] = FILES.map((f) => readNpy(join(dir, `${f}.npy`))) as [
    SequenceData['xTrain'],
    SequenceData['yTrain'],
    SequenceData['xTest'],
    SequenceData['yTest'],
  ];
  return {
    meta,
    data: { xTrain, yTrain, xTest, yTest, numWords: meta.numWords, maxlen: meta.maxlen, classes: meta.classes },
  };
}

/** Loads workload `name` with deepscript's loaders and writes it to `dir`. */
export function exportSequences(name: string, dir: string): SequenceMeta {
  const load = SEQUENCE_WORKLOADS[name];
  if (!load) {
    throw new Error(`Unknown sequence workload '${name}'. Available: ${Object.keys(SEQUENCE_WORKLOADS).join(', ')}.`);
  }
  return writeSequenceData(dir, name, load());
}
