/**
 * Stateful metrics against values worked by hand from Keras 3's equations
 * (keras/src/metrics/*.py): each expected number below is derived in the comment next to it.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import '../src/ops/tensor-methods.js';
import { tensor } from '../src/ops/creation.js';
import { clearSession } from '../src/utils/naming.js';
import { setRandomSeed, getRandom } from '../src/core/random.js';
import type { Metric } from '../src/metrics/metric.js';
import * as M from '../src/metrics/index.js';

const close = (got: unknown, want: number, tol = 1e-6, what = ''): void => {
  assert.equal(typeof got, 'number', `${what}: expected a number, got ${String(got)}`);
  assert.ok(Math.abs((got as number) - want) <= tol, `${what}: got ${String(got)}, want ${want}`);
};
const closeAll = (got: unknown, want: number[], tol = 1e-6): void => {
  assert.ok(Array.isArray(got), `expected an array, got ${String(got)}`);
  assert.equal((got as number[]).length, want.length);
  (got as number[]).forEach((g, i) => close(g, want[i]!, tol, `[${i}]`));
};

describe('Mean, Sum, MeanMetricWrapper', () => {
  test('Mean: total / count, sample weights count as given', () => {
    const m = new M.Mean();
    m.updateState([1, 3, 5, 7]);
    close(m.resultValue(), 4); // 16 / 4
    m.resetState();
    m.updateState([1, 3, 5, 7], [1, 1, 0, 0]);
    close(m.resultValue(), 2); // (1 + 3) / 2
    m.resetState();
    // Rank 2 values reduce to one mean per sample: (1.5 + 3.5) / 2.
    m.updateState([
      [1, 2],
      [3, 4],
    ]);
    close(m.resultValue(), 2.5);
    m.resetState();
    close(m.resultValue(), 0); // divide_no_nan on an empty state
  });

  test('Sum adds (weighted) values; NaN stays visible', () => {
    const s = new M.Sum();
    s.updateState([1, 3, 5, 7]);
    close(s.resultValue(), 16);
    s.resetState();
    s.updateState([1, 3, 5, 7], [1, 1, 0, 0]);
    close(s.resultValue(), 4);
    const m = new M.Mean();
    m.updateState([1, NaN]);
    assert.ok(Number.isNaN(m.resultValue()));
  });

  test('MeanMetricWrapper averages a tensor function over samples, named after it', () => {
    const absDiff = (t: import('../src/core/tensor.js').Tensor, p: import('../src/core/tensor.js').Tensor) =>
      p.sub(t).abs().mean(-1);
    const m = new M.MeanMetricWrapper(absDiff);
    assert.equal(m.name, 'absDiff');
    m.updateState(tensor([[0, 1]]), tensor([[1, 1]])); // sample: (1 + 0) / 2
    m.updateState(tensor([[0, 0]]), tensor([[0, 0]])); // sample: 0
    close(m.resultValue(), 0.25);
  });
});

describe('the accuracy family', () => {
  test('Accuracy: exact equality', () => {
    const m = new M.Accuracy();
    m.updateState([[1], [2], [3], [4]], [[0], [2], [3], [4]]);
    close(m.resultValue(), 0.75);
    m.resetState();
    m.updateState([[1], [2], [3], [4]], [[0], [2], [3], [4]], [1, 1, 0, 0]);
    close(m.resultValue(), 0.5); // matches 0 + 1 over weight 2
  });

  test('BinaryAccuracy: y_pred > threshold', () => {
    const m = new M.BinaryAccuracy();
    m.updateState([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]]);
    close(m.resultValue(), 0.75); // 0.6 > 0.5 is the one miss
    m.resetState();
    m.updateState([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]], [1, 0, 0, 1]);
    close(m.resultValue(), 0.5); // hit (w 1) + miss (w 1)
    const high = new M.BinaryAccuracy({ threshold: 0.7 });
    high.updateState([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]]);
    close(high.resultValue(), 1);
    assert.deepEqual(high.getConfig(), { name: 'binary_accuracy', dtype: 'float32', threshold: 0.7 });
  });

  test('CategoricalAccuracy and SparseCategoricalAccuracy: argmax', () => {
    const yPred = [
      [0.1, 0.9, 0.8],
      [0.05, 0.95, 0],
    ];
    const c = new M.CategoricalAccuracy();
    c.updateState(
      [
        [0, 0, 1],
        [0, 1, 0],
      ],
      yPred,
    );
    close(c.resultValue(), 0.5);
    c.resetState();
    c.updateState(
      [
        [0, 0, 1],
        [0, 1, 0],
      ],
      yPred,
      [0.7, 0.3],
    );
    close(c.resultValue(), 0.3);
    const s = new M.SparseCategoricalAccuracy();
    s.updateState([[2], [1]], yPred);
    close(s.resultValue(), 0.5);
    s.resetState();
    s.updateState(tensor([2, 1], undefined, 'int32'), yPred, [0.7, 0.3]);
    close(s.resultValue(), 0.3);
  });

  test('TopKCategoricalAccuracy and SparseTopKCategoricalAccuracy (ties count as in the top k, as in_top_k)', () => {
    const yPred = [
      [0.1, 0.9, 0.8],
      [0.05, 0.95, 0],
    ];
    const t1 = new M.TopKCategoricalAccuracy({ k: 1 });
    t1.updateState(
      [
        [0, 0, 1],
        [0, 1, 0],
      ],
      yPred,
    );
    close(t1.resultValue(), 0.5); // class 2 is second in row 0
    const t2 = new M.TopKCategoricalAccuracy({ k: 2 });
    t2.updateState(
      [
        [0, 0, 1],
        [0, 1, 0],
      ],
      yPred,
    );
    close(t2.resultValue(), 1);
    const s = new M.SparseTopKCategoricalAccuracy({ k: 1 });
    s.updateState([2, 1], yPred);
    close(s.resultValue(), 0.5);
    const tie = new M.SparseTopKCategoricalAccuracy({ k: 1 });
    tie.updateState([1], [[0.5, 0.5, 0.1]]); // no class scores strictly higher than class 1
    close(tie.resultValue(), 1);
    const sorted = new M.SparseTopKCategoricalAccuracy({ k: 2, fromSortedIds: true });
    sorted.updateState(
      [3, 1],
      [
        [3, 0, 2],
        [0, 2, 1],
      ],
    );
    close(sorted.resultValue(), 0.5); // 3 is among the first 2 ids; 1 is third
    assert.equal(new M.TopKCategoricalAccuracy().k, 5);
  });
});

describe('regression metrics', () => {
  const yTrue = [
    [0, 1],
    [0, 0],
  ];
  const yPred = [
    [1, 1],
    [0, 0],
  ];

  test('MSE, MAE: mean over the last axis, then over samples', () => {
    const mse = new M.MeanSquaredError();
    mse.updateState(yTrue, yPred);
    close(mse.resultValue(), 0.25); // samples 0.5 and 0
    mse.resetState();
    mse.updateState(yTrue, yPred, [1, 0]);
    close(mse.resultValue(), 0.5);
    const mae = new M.MeanAbsoluteError();
    mae.updateState(yTrue, yPred);
    close(mae.resultValue(), 0.25);
  });

  test('MAPE, MSLE, LogCoshError, RMSE, CosineSimilarity', () => {
    const mape = new M.MeanAbsolutePercentageError();
    mape.updateState(yTrue, yPred);
    // |0 - 1| / max(|0|, 1e-7) = 1e7 for one element of sample 0: 100 * 1e7 / 2, then / 2 samples.
    close(mape.resultValue(), 2.5e8, 1);
    const msle = new M.MeanSquaredLogarithmicError();
    msle.updateState(yTrue, yPred);
    // (log(1 + 1) - log(1e-7 + 1))^2 for one element of four.
    close(msle.resultValue(), (Math.log(2) - Math.log1p(1e-7)) ** 2 / 4);
    const lc = new M.LogCoshError();
    assert.equal(lc.name, 'logcosh');
    lc.updateState(yTrue, yPred);
    close(lc.resultValue(), Math.log(Math.cosh(1)) / 4);
    const rmse = new M.RootMeanSquaredError();
    rmse.updateState(yTrue, yPred);
    close(rmse.resultValue(), 0.5); // sqrt(0.25)
    rmse.resetState();
    rmse.updateState(yTrue, yPred, [1, 0]);
    close(rmse.resultValue(), Math.SQRT1_2); // sqrt(0.5)
    const cos = new M.CosineSimilarity();
    cos.updateState(
      [
        [0, 1],
        [1, 1],
      ],
      [
        [1, 0],
        [1, 1],
      ],
    );
    close(cos.resultValue(), 0.5); // cosines 0 and 1
    cos.resetState();
    cos.updateState(
      [
        [0, 1],
        [1, 1],
      ],
      [
        [1, 0],
        [1, 1],
      ],
      [0.3, 0.7],
    );
    close(cos.resultValue(), 0.7);
  });
});

describe('confusion-matrix metrics', () => {
  test('TruePositives, FalsePositives, TrueNegatives, FalseNegatives', () => {
    const tp = new M.TruePositives();
    tp.updateState([0, 1, 1, 1], [1, 0, 1, 1]);
    close(tp.resultValue(), 2);
    tp.resetState();
    tp.updateState([0, 1, 1, 1], [1, 0, 1, 1], [0, 0, 1, 0]);
    close(tp.resultValue(), 1);
    const fp = new M.FalsePositives();
    fp.updateState([0, 1, 0, 0], [0, 0, 1, 1]);
    close(fp.resultValue(), 2);
    const tn = new M.TrueNegatives();
    tn.updateState([0, 1, 0, 0], [1, 1, 0, 0]);
    close(tn.resultValue(), 2);
    const fn = new M.FalseNegatives();
    fn.updateState([0, 1, 1, 1], [0, 1, 0, 0]);
    close(fn.resultValue(), 2);
    const multi = new M.TruePositives({ thresholds: [0.3, 0.6] });
    multi.updateState([1, 1, 1], [0.2, 0.5, 0.9]);
    closeAll(multi.resultValue(), [2, 1]);
  });

  test('Precision and Recall: thresholds, topK, classId', () => {
    const p = new M.Precision();
    p.updateState([0, 1, 1, 1], [1, 0, 1, 1]);
    close(p.resultValue(), 2 / 3);
    p.resetState();
    p.updateState([0, 1, 1, 1], [1, 0, 1, 1], [0, 0, 1, 0]);
    close(p.resultValue(), 1);
    // top_k = 2 keeps the first two of four equal scores: both are negatives.
    const top2 = new M.Precision({ topK: 2 });
    top2.updateState([0, 0, 1, 1], [1, 1, 1, 1]);
    close(top2.resultValue(), 0);
    const top4 = new M.Precision({ topK: 4 });
    top4.updateState([0, 0, 1, 1], [1, 1, 1, 1]);
    close(top4.resultValue(), 0.5);
    const r = new M.Recall();
    r.updateState([0, 1, 1, 1], [1, 0, 1, 1]);
    close(r.resultValue(), 2 / 3);
    // classId 1: scores [0.8, 0.4, 0.3] against labels [1, 0, 1]: one tp, no fp, one fn.
    const yTrue = [
      [0, 1],
      [1, 0],
      [0, 1],
    ];
    const yPred = [
      [0.2, 0.8],
      [0.6, 0.4],
      [0.7, 0.3],
    ];
    const pc = new M.Precision({ classId: 1 });
    pc.updateState(yTrue, yPred);
    close(pc.resultValue(), 1);
    const rc = new M.Recall({ classId: 1 });
    rc.updateState(yTrue, yPred);
    close(rc.resultValue(), 0.5);
    const pt = new M.Precision({ thresholds: [0.35, 0.75] });
    pt.updateState(yTrue, yPred);
    // Six scores; > 0.35: 0.8 (pos), 0.6 (pos), 0.4 (neg), 0.7 (neg) -> 2/4; > 0.75: 0.8 (pos) -> 1.
    closeAll(pt.resultValue(), [0.5, 1]);
  });

  test('AUC on a small case, bucket by bucket (numThresholds 3)', () => {
    // Thresholds [-1e-7, 0.5, 1 + 1e-7]; buckets ceil(p * 2) - 1 clamped at 0: p = 0, 0.5, 0.3 -> 0, 0.9 -> 1.
    // tp = [2, 1, 0], fp = [2, 0, 0], fn = [0, 1, 2], tn = [0, 2, 2]; TPR = [1, .5, 0], FPR = [1, 0, 0].
    const yTrue = [0, 0, 1, 1];
    const yPred = [0, 0.5, 0.3, 0.9];
    const roc = new M.AUC({ numThresholds: 3 });
    roc.updateState(yTrue, yPred);
    close(roc.resultValue(), 0.75); // (1 - 0) * (1 + 0.5) / 2
    const major = new M.AUC({ numThresholds: 3, summationMethod: 'majoring' });
    major.updateState(yTrue, yPred);
    close(major.resultValue(), 1); // (1 - 0) * max(1, 0.5)
    const minor = new M.AUC({ numThresholds: 3, summationMethod: 'minoring' });
    minor.updateState(yTrue, yPred);
    close(minor.resultValue(), 0.5);
    // PR, interpolated (Davis & Goadrich, as Keras): p = tp + fp = [4, 1, 0].
    // Step 0: slope (2-1)/(4-1) = 1/3, intercept 1 - 1/3, ratio 4/1: (1/3)(1 + (2/3) ln 4) / (tp1 + fn1 = 2).
    // Step 1: slope 1, intercept 0, p1 = 0 so ratio 1: 1 * 1 / (tp2 + fn2 = 2).
    const pr = new M.AUC({ numThresholds: 3, curve: 'PR' });
    pr.updateState(yTrue, yPred);
    close(pr.resultValue(), (1 + (2 / 3) * Math.log(4)) / 6 + 0.5);
    // PR with majoring: recall [1, .5, 0], precision [.5, 1, 0]: .5 * 1 + .5 * 1.
    const prMajor = new M.AUC({ numThresholds: 3, curve: 'PR', summationMethod: 'majoring' });
    prMajor.updateState(yTrue, yPred);
    close(prMajor.resultValue(), 1);
    const prMinor = new M.AUC({ numThresholds: 3, curve: 'PR', summationMethod: 'minoring' });
    prMinor.updateState(yTrue, yPred);
    close(prMinor.resultValue(), 0.25); // .5 * .5 + .5 * 0
  });

  test('AUC with 200 thresholds: distinct buckets give the pairwise ROC area; options', () => {
    // Buckets ceil(p * 199) - 1: 0.8 -> 159, 0.6 -> 119, 0.4 -> 79, 0.2 -> 39, all distinct, so the
    // trapezoids give the exact ROC area: positive/negative pairs ranked right = 3 of 4.
    const auc = new M.AUC();
    auc.updateState([1, 0, 1, 0], [0.8, 0.6, 0.4, 0.2]);
    close(auc.resultValue(), 0.75);
    // Sample weights: the (0.4, 0.6) pair weighs 3 * 1 of the total (1 + 3) * (1 + 1) pair weight.
    const w = new M.AUC();
    w.updateState([1, 0, 1, 0], [0.8, 0.6, 0.4, 0.2], [1, 1, 3, 1]);
    close(w.resultValue(), 1 - 3 / 8);
    // fromLogits: sigmoid first.
    const logits = new M.AUC({ fromLogits: true });
    logits.updateState([1, 0, 1, 0], [1.386, 0.405, -0.405, -1.386]); // logit of 0.8, 0.6, 0.4, 0.2
    close(logits.resultValue(), 0.75);
    // Multi-label: one area per column, then their mean (or label-weighted mean).
    const yTrue = [
      [0, 1],
      [0, 1],
      [1, 0],
      [1, 0],
    ];
    const yPred = [
      [0, 0.9],
      [0.5, 0.8],
      [0.3, 0.1],
      [0.9, 0.2],
    ];
    const ml = new M.AUC({ numThresholds: 3, multiLabel: true });
    ml.updateState(yTrue, yPred);
    close(ml.resultValue(), (0.75 + 1) / 2); // column 0 is the small case above; column 1 is separated
    const mlw = new M.AUC({ numThresholds: 3, multiLabel: true, labelWeights: [1, 3] });
    mlw.updateState(yTrue, yPred);
    close(mlw.resultValue(), (0.75 + 3) / 4);
    assert.throws(() => new M.AUC({ curve: 'PRGAIN' as 'PR' }), /invalid curve 'PRGAIN'/);
    assert.throws(() => new M.AUC({ numThresholds: 1 }), /numThresholds/);
    assert.throws(() => new M.AUC({ numThreshold: 3 } as never), /did you mean `numThresholds`/);
    const nan = new M.AUC();
    nan.updateState([1, 0], [NaN, 0.2]);
    assert.ok(Number.isNaN(nan.resultValue()), 'a NaN prediction shows as NaN');
  });

  test('SensitivityAtSpecificity, SpecificityAtSensitivity, PrecisionAtRecall, RecallAtPrecision', () => {
    // Negatives score [0, 0.3, 0.8], positives [0.3, 0.8]. For thresholds in (0.3, 0.8): negatives
    // above: 0.8 (specificity 2/3), positives above: 0.8 (sensitivity 1/2); below 0.3:
    // specificity 1/3, sensitivity 1; at or above 0.8: specificity 1, sensitivity 0.
    const yTrue = [0, 0, 0, 1, 1];
    const yPred = [0, 0.3, 0.8, 0.3, 0.8];
    const sens = new M.SensitivityAtSpecificity({ specificity: 0.5 });
    sens.updateState(yTrue, yPred);
    close(sens.resultValue(), 0.5);
    sens.resetState();
    // Weights [1, 1, 2, 2, 1]: in (0.3, 0.8) specificity (1 + 1)/4 = 0.5, sensitivity 1/3.
    sens.updateState(yTrue, yPred, [1, 1, 2, 2, 1]);
    close(sens.resultValue(), 1 / 3);
    const spec = new M.SpecificityAtSensitivity({ sensitivity: 0.5 });
    spec.updateState(yTrue, yPred);
    close(spec.resultValue(), 2 / 3);
    spec.resetState();
    spec.updateState(yTrue, yPred, [1, 1, 2, 2, 2]); // in (0.3, 0.8): sensitivity 2/4, specificity 2/4
    close(spec.resultValue(), 0.5);
    // Precision at recall >= 0.5: (0.3, 0.8) gives 1/2; below 0.3 gives 2/4.
    const par = new M.PrecisionAtRecall({ recall: 0.5 });
    par.updateState(yTrue, yPred);
    close(par.resultValue(), 0.5);
    par.resetState();
    par.updateState(yTrue, yPred, [2, 2, 2, 1, 1]); // (0.3, 0.8): 1 / (1 + 2); below 0.3: 2 / (2 + 4)
    close(par.resultValue(), 1 / 3);
    // Recall at precision >= 0.8 on [0, 0, 1, 1] / [0, 0.5, 0.3, 0.9]: only 0.9 above 0.5 -> recall 1/2.
    const rap = new M.RecallAtPrecision({ precision: 0.8 });
    rap.updateState([0, 0, 1, 1], [0, 0.5, 0.3, 0.9]);
    close(rap.resultValue(), 0.5);
    rap.resetState();
    // Weights [1, 0, 0, 1]: above 0 only 0.5 (w 0), 0.3 (w 0), 0.9 (w 1): precision 1, recall 1.
    rap.updateState([0, 0, 1, 1], [0, 0.5, 0.3, 0.9], [1, 0, 0, 1]);
    close(rap.resultValue(), 1);
    assert.throws(() => new M.PrecisionAtRecall({ recall: 1.5 }), /`recall` must be in \[0, 1\]/);
  });
});

describe('F1Score, FBetaScore, MeanIoU', () => {
  const yTrue = [
    [1, 1, 1],
    [1, 0, 0],
    [1, 1, 0],
  ];
  const yPred = [
    [0.2, 0.6, 0.7],
    [0.2, 0.6, 0.6],
    [0.6, 0.8, 0.0],
  ];
  // > 0.5: [[0,1,1],[0,1,1],[1,1,0]]. Class 0: tp 1, fn 2 (P 1, R 1/3); class 1: tp 2, fp 1 (P 2/3, R 1);
  // class 2: tp 1, fp 1 (P 1/2, R 1).
  const f1 = (p: number, r: number): number => (2 * p * r) / (p + r);

  test('F1Score per class and averaged', () => {
    const none = new M.F1Score({ threshold: 0.5 });
    none.updateState(yTrue, yPred);
    closeAll(none.resultValue(), [f1(1, 1 / 3), f1(2 / 3, 1), f1(1 / 2, 1)], 1e-5);
    const micro = new M.F1Score({ threshold: 0.5, average: 'micro' });
    micro.updateState(yTrue, yPred);
    close(micro.resultValue(), f1(4 / 6, 4 / 6), 1e-5); // tp 4, fp 2, fn 2 pooled
    const macro = new M.F1Score({ threshold: 0.5, average: 'macro' });
    macro.updateState(yTrue, yPred);
    close(macro.resultValue(), (0.5 + 0.8 + 2 / 3) / 3, 1e-5);
    const weighted = new M.F1Score({ threshold: 0.5, average: 'weighted' });
    weighted.updateState(yTrue, yPred);
    close(weighted.resultValue(), (0.5 * 3 + 0.8 * 2 + (2 / 3) * 1) / 6, 1e-5); // supports 3, 2, 1
    // No threshold: each row's maximum (ties included) is the prediction: [[0,0,1],[0,1,1],[0,1,0]].
    const argmax = new M.F1Score();
    argmax.updateState(yTrue, yPred);
    closeAll(argmax.resultValue(), [0, f1(0.5, 0.5), f1(0.5, 1)], 1e-5);
    assert.deepEqual(new M.F1Score().getConfig(), {
      name: 'f1_score',
      dtype: 'float32',
      average: null,
      threshold: null,
    });
  });

  test('FBetaScore with beta 2', () => {
    const fb = new M.FBetaScore({ beta: 2, threshold: 0.5 });
    fb.updateState(yTrue, yPred);
    const f2 = (p: number, r: number): number => (5 * p * r) / (4 * p + r);
    closeAll(fb.resultValue(), [f2(1, 1 / 3), f2(2 / 3, 1), f2(1 / 2, 1)], 1e-5); // 5/13, 10/11, 5/6
    assert.throws(() => new M.FBetaScore({ beta: 0 }), /`beta` must be a number > 0/);
    assert.throws(() => new M.F1Score({ beta: 2 } as never), /unknown option `beta`/);
  });

  test('MeanIoU: confusion matrix of ids over batches', () => {
    const m = new M.MeanIoU({ numClasses: 2 });
    m.updateState([0, 0], [0, 1]);
    m.updateState([1, 1], [0, 1]);
    close(m.resultValue(), 1 / 3, 1e-6); // cm [[1,1],[1,1]]: each class 1 / (2 + 2 - 1)
    m.resetState();
    m.updateState([0, 0, 1, 1], [0, 1, 0, 1], [0.3, 0.3, 0.3, 0.1]);
    // cm [[.3,.3],[.3,.1]]: class 0 .3 / (.6 + .6 - .3), class 1 .1 / (.4 + .4 - .1).
    close(m.resultValue(), (0.3 / 0.9 + 0.1 / 0.7) / 2, 1e-6);
    const ignore = new M.MeanIoU({ numClasses: 3, ignoreClass: 2 });
    ignore.updateState([0, 2, 1], [0, 1, 1]); // the class-2 pixel is dropped: both classes perfect
    close(ignore.resultValue(), 1, 1e-6);
    const onehot = new M.MeanIoU({ numClasses: 2, sparseYTrue: false, sparseYPred: false });
    onehot.updateState(
      [
        [1, 0],
        [0, 1],
      ],
      [
        [0.9, 0.1],
        [0.6, 0.4],
      ],
    );
    // ids true [0, 1], predicted [0, 0]: class 0 1 / (1 + 2 - 1), class 1 0 / (1 + 0 - 0).
    close(onehot.resultValue(), 0.25, 1e-6);
    assert.throws(() => new M.MeanIoU({} as never), /`numClasses` is required/);
  });
});

/** Random 0/1 labels and scores in [0, 1]. */
function randomBinary(n: number, cols: number): [number[][], number[][]] {
  const r = getRandom();
  const yTrue: number[][] = [];
  const yPred: number[][] = [];
  for (let i = 0; i < n; i++) {
    const t: number[] = [];
    const p: number[] = [];
    for (let j = 0; j < cols; j++) {
      t.push(r.uniform() < 0.4 ? 1 : 0);
      p.push(r.uniform());
    }
    yTrue.push(t);
    yPred.push(p);
  }
  return [yTrue, yPred];
}

describe('state over batches', () => {
  test('updates in batches equal one update on the whole epoch', () => {
    setRandomSeed(3);
    const [yTrue, yPred] = randomBinary(30, 3);
    const weights = yTrue.map((_, i) => 0.5 + (i % 4));
    const makers: (() => Metric)[] = [
      () => new M.AUC(),
      () => new M.AUC({ curve: 'PR' }),
      () => new M.AUC({ multiLabel: true, numThresholds: 50 }),
      () => new M.AUC({ thresholds: [0.1, 0.35, 0.8] }),
      () => new M.Precision({ thresholds: [0.2, 0.5, 0.7] }),
      () => new M.Recall({ topK: 1 }),
      () => new M.PrecisionAtRecall({ recall: 0.6 }),
      () => new M.F1Score({ average: 'macro', threshold: 0.5 }),
      () => new M.BinaryAccuracy(),
      () => new M.MeanSquaredError(),
      () => new M.RootMeanSquaredError(),
      () => new M.CategoricalAccuracy(),
      () => new M.TopKCategoricalAccuracy({ k: 2 }),
    ];
    for (const make of makers) {
      const whole = make();
      whole.updateState(yTrue, yPred, weights);
      const parts = make();
      for (const [a, b] of [
        [0, 7],
        [7, 20],
        [20, 30],
      ] as const)
        parts.updateState(yTrue.slice(a, b), yPred.slice(a, b), weights.slice(a, b));
      const w = whole.resultValue();
      const p = parts.resultValue();
      if (typeof w === 'number') close(p, w, 1e-12, whole.className);
      else closeAll(p, w, 1e-12);
      parts.resetState();
      parts.updateState(yTrue.slice(0, 7), yPred.slice(0, 7), weights.slice(0, 7));
      const first = make();
      first.updateState(yTrue.slice(0, 7), yPred.slice(0, 7), weights.slice(0, 7));
      assert.deepEqual(parts.resultValue(), first.resultValue(), `${whole.className}: resetState starts afresh`);
    }
  });
});

describe('names, strings and configs', () => {
  test("default names are Keras's: snake_case class name, then _1, _2", () => {
    clearSession();
    assert.equal(new M.AUC().name, 'auc');
    assert.equal(new M.AUC().name, 'auc_1');
    assert.equal(new M.Precision().name, 'precision');
    assert.equal(new M.TruePositives().name, 'true_positives');
    assert.equal(new M.MeanIoU({ numClasses: 2 }).name, 'mean_io_u');
    assert.equal(new M.BinaryAccuracy().name, 'binary_accuracy');
    assert.equal(new M.AUC({ name: 'roc' }).name, 'roc');
  });

  test('string identifiers: class names, snake_case, camelCase and Keras aliases', () => {
    const cases: [string, string][] = [
      ['auc', 'AUC'],
      ['AUC', 'AUC'],
      ['precision', 'Precision'],
      ['recall', 'Recall'],
      ['mae', 'MeanAbsoluteError'],
      ['MSE', 'MeanSquaredError'],
      ['mean_squared_logarithmic_error', 'MeanSquaredLogarithmicError'],
      ['meanAbsolutePercentageError', 'MeanAbsolutePercentageError'],
      ['root_mean_squared_error', 'RootMeanSquaredError'],
      ['top_k_categorical_accuracy', 'TopKCategoricalAccuracy'],
      ['sparseTopKCategoricalAccuracy', 'SparseTopKCategoricalAccuracy'],
      ['binary_accuracy', 'BinaryAccuracy'],
      ['f1_score', 'F1Score'],
      ['true_positives', 'TruePositives'],
      ['cosine_similarity', 'CosineSimilarity'],
      ['logcosh', 'LogCoshError'],
      ['accuracy', 'Accuracy'],
    ];
    for (const [id, cls] of cases) assert.equal(M.getMetric(id).className, cls, id);
    assert.throws(() => M.getMetric('aucc'), /Unknown metric 'aucc'/);
    assert.throws(() => M.getMetric('precision_at_recall'), /needs `recall`/);
    assert.equal(M.getMetric(M.AUC as never).className, 'AUC');
  });

  test('config round trip keeps every option and the same results', () => {
    const metrics: Metric[] = [
      new M.AUC({ numThresholds: 17, curve: 'PR', summationMethod: 'minoring', name: 'prauc' }),
      new M.AUC({ thresholds: [0.2, 0.5, 0.7] }),
      new M.AUC({ multiLabel: true, numLabels: 3, labelWeights: [1, 2, 3] }),
      new M.Precision({ thresholds: [0.3, 0.6], name: 'p2' }),
      new M.Recall({ topK: 2, classId: 1 }),
      new M.TruePositives({ thresholds: 0.7 }),
      new M.PrecisionAtRecall({ recall: 0.4, numThresholds: 33, classId: 2 }),
      new M.RecallAtPrecision({ precision: 0.7 }),
      new M.SensitivityAtSpecificity({ specificity: 0.6 }),
      new M.SpecificityAtSensitivity({ sensitivity: 0.3 }),
      new M.F1Score({ average: 'weighted', threshold: 0.4 }),
      new M.FBetaScore({ beta: 0.5, average: 'micro' }),
      new M.MeanIoU({ numClasses: 3, ignoreClass: 0 }),
      new M.BinaryAccuracy({ threshold: 0.3 }),
      new M.TopKCategoricalAccuracy({ k: 2 }),
      new M.SparseTopKCategoricalAccuracy({ k: 1, fromSortedIds: true }),
      new M.RootMeanSquaredError(),
      new M.LogCoshError(),
    ];
    setRandomSeed(5);
    const [yTrue, yPred] = randomBinary(12, 3);
    for (const m of metrics) {
      const saved = JSON.parse(JSON.stringify(M.serializeMetric(m))) as {
        class_name: string;
        config: Record<string, unknown>;
      };
      assert.equal(saved.class_name, m.className);
      const back = M.deserializeMetric(saved)!;
      assert.ok(back, m.className);
      assert.deepEqual(back.getConfig(), m.getConfig(), m.className);
      if (m instanceof M.MeanIoU || m instanceof M.SparseTopKCategoricalAccuracy) continue;
      m.updateState(yTrue, yPred);
      back.updateState(yTrue, yPred);
      assert.deepEqual(back.resultValue(), m.resultValue(), m.className);
    }
    assert.equal(M.deserializeMetric({ class_name: 'constructor' }), null);
  });

  test('misspelled options are refused, naming the nearest one', () => {
    assert.throws(() => new M.Precision({ top_k: 2 } as never), /`top_k` is Keras's Python spelling; use `topK`/);
    assert.throws(() => new M.BinaryAccuracy({ treshold: 0.2 } as never), /did you mean `threshold`/);
    assert.throws(() => new M.Mean({ dtype: 'int8' }), /dtype 'int8' is not supported/);
    assert.throws(() => new M.Precision({ thresholds: [1.5] }), /threshold values must be in \[0, 1\]/);
  });
});
