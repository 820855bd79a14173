/**
 * An imbalanced task: MNIST "is it a zero?", with the zeros of the training set cut to 1% of it.
 * The same small network is trained twice from the same seed: without class weights, then with
 * Keras's usual `classWeight` (each class weighted total / (2 * count)). Precision, recall and
 * ROC AUC on the (untouched) test set are printed per epoch, computed exactly from `predict` here,
 * beside the training epoch's `metrics.Precision`, `Recall` and `AUC` (200 thresholds) that fit logs.
 *
 * What Keras's weighting predicts: weighting the positives' loss by w1 and the negatives' by w0
 * moves the cross-entropy minimiser from p to w1 p / (w1 p + w0 (1 - p)). So the weighted model at
 * threshold 0.5 should behave like the unweighted one at threshold w0 / (w0 + w1): recall rises
 * (and precision falls). The last lines compare the two.
 *
 *   npm run example:imbalanced-mnist -- [--epochs 3] [--seed 0] [--backend native|wasm|js] [--verbose 0]
 */
import { Sequential, callbacks, datasets, layers, tensor } from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { exampleOptions, intArg } from './args.js';

const { args, epochs, verbose } = exampleOptions({ epochs: 3, verbose: 0 });
const positivesPercent = intArg(args, 'positives-percent', 1);

const [[xTrainAll, yTrainAll], [xTestAll, yTestAll]] = datasets.mnist.loadData();
const flat = (t: Tensor): Tensor => t.reshape([t.shape[0]!, 784]).astype('float32').div(255);

// Keep every non-zero digit and only as many zeros as make `positivesPercent`% of the set.
const labels = yTrainAll.data;
const negatives: number[] = [];
const positives: number[] = [];
for (let i = 0; i < labels.length; i++) (labels[i] === 0 ? positives : negatives).push(i);
const keepPos = Math.round((negatives.length * positivesPercent) / (100 - positivesPercent));
const kept = Int32Array.from([...negatives, ...positives.slice(0, keepPos)]).sort();
const xTrain = flat(xTrainAll).take(kept);
const yTrain = tensor(
  Array.from(kept, (i) => (labels[i] === 0 ? 1 : 0)),
  [kept.length, 1],
);
const xTest = flat(xTestAll);
const yTestArr: number[] = Array.from(yTestAll.data, (v) => (v === 0 ? 1 : 0));
const total = kept.length;
console.log(
  `training set: ${total} images, ${keepPos} zeros (${((100 * keepPos) / total).toFixed(2)}%); test set: ` +
    `${yTestArr.length} images, ${yTestArr.reduce((a, b) => a + b, 0)} zeros`,
);

interface Scores {
  precision: number;
  recall: number;
  auc: number;
}

function scores(p: Float32Array, threshold = 0.5): Scores {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < p.length; i++) {
    const pos = yTestArr[i] === 1;
    const predicted = p[i]! > threshold;
    if (predicted && pos) tp++;
    else if (predicted) fp++;
    else if (pos) fn++;
  }
  // ROC AUC: the probability that a random positive scores above a random negative (ties 1/2).
  const order = Array.from(p.keys()).sort((a, b) => p[a]! - p[b]!);
  let rankSum = 0;
  let nPos = 0;
  for (let k = 0; k < order.length;) {
    let j = k;
    while (j + 1 < order.length && p[order[j + 1]!] === p[order[k]!]) j++;
    const midRank = (k + j) / 2 + 1;
    for (let m = k; m <= j; m++)
      if (yTestArr[order[m]!] === 1) {
        rankSum += midRank;
        nPos++;
      }
    k = j + 1;
  }
  const nNeg = p.length - nPos;
  return {
    precision: tp + fp === 0 ? 0 : tp / (tp + fp),
    recall: tp + fn === 0 ? 0 : tp / (tp + fn),
    auc: (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg),
  };
}

class TestScores extends callbacks.Callback {
  constructor(private readonly label: string) {
    super();
  }
  override onEpochEnd(epoch: number, logs: Record<string, number> = {}): void {
    const m = this.model as unknown as Sequential;
    const s = scores(m.predict<Tensor>(xTest, { batchSize: 1000 }).data as Float32Array);
    console.log(
      `${this.label} epoch ${epoch + 1}: loss ${logs['loss']!.toFixed(4)}  test precision ${s.precision.toFixed(3)}  ` +
        `recall ${s.recall.toFixed(3)}  AUC ${s.auc.toFixed(4)}  (fit's metrics on the training epoch: precision ` +
        `${logs['precision']!.toFixed(3)}  recall ${logs['recall']!.toFixed(3)}  AUC ${logs['auc']!.toFixed(4)})`,
    );
  }
}

async function train(label: string, classWeight?: Record<number, number>): Promise<Float32Array> {
  const { setRandomSeed } = await import('../src/index.js');
  setRandomSeed(intArg(args, 'seed', 0));
  const model = new Sequential([
    new layers.Dense(32, { inputShape: [784], activation: 'relu' }),
    new layers.Dense(1, { activation: 'sigmoid' }),
  ]);
  model.compile({ loss: 'binary_crossentropy', optimizer: 'adam', metrics: ['precision', 'recall', 'auc'] });
  await model.fit(xTrain, yTrain, {
    epochs,
    batchSize: 256,
    verbose,
    callbacks: [new TestScores(label)],
    ...(classWeight ? { classWeight } : {}),
  });
  return model.predict<Tensor>(xTest, { batchSize: 1000 }).data as Float32Array;
}

const started = Date.now();
const plain = await train('no class weights  ');
const w0 = total / (2 * (total - keepPos));
const w1 = total / (2 * keepPos);
console.log(`classWeight: { 0: ${w0.toFixed(3)}, 1: ${w1.toFixed(3)} }`);
const weighted = await train('classWeight       ', { 0: w0, 1: w1 });

const a = scores(plain);
const b = scores(weighted);
const tStar = w0 / (w0 + w1);
const predicted = scores(plain, tStar);
console.log(
  `\nat threshold 0.5: recall ${a.recall.toFixed(3)} without class weights, ${b.recall.toFixed(3)} with them`,
);
console.log(
  `Keras's weighting predicts the weighted model at 0.5 ~ the unweighted one at w0/(w0+w1) = ${tStar.toFixed(4)}: ` +
    `recall ${predicted.recall.toFixed(3)}, precision ${predicted.precision.toFixed(3)} ` +
    `(weighted model: recall ${b.recall.toFixed(3)}, precision ${b.precision.toFixed(3)})`,
);
console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s)`);
