/** What the lecture's MNIST examples share: checkpoints and early stopping, then plots and the best model. */
import { mkdirSync } from 'node:fs';
import { callbacks, loadModel, viz } from '../src/index.js';
import type { Model, Tensor } from '../src/index.js';

export const MODEL_DIR = './model/';

/** ModelCheckpoint and EarlyStopping set up as the lecture does. */
export function lectureCallbacks(): {
  checkpointer: InstanceType<typeof callbacks.ModelCheckpoint>;
  earlyStopping: InstanceType<typeof callbacks.EarlyStopping>;
} {
  mkdirSync(MODEL_DIR, { recursive: true });
  const modelPath = `${MODEL_DIR}{epoch:02d}-{val_loss:.4f}.hdf5`;
  return {
    checkpointer: new callbacks.ModelCheckpoint(modelPath, { monitor: 'val_loss', verbose: 1, saveBestOnly: true }),
    earlyStopping: new callbacks.EarlyStopping({ monitor: 'val_loss', patience: 10 }),
  };
}

/**
 * Writes the loss curves (test red, train blue) and a grid of test digits with predictions beside
 * the checkpoints, then reloads the best checkpoint and scores it on the test set.
 */
export async function reportRun(args: {
  model: Model;
  history: { history: Record<string, number[]> };
  checkpointer: InstanceType<typeof callbacks.ModelCheckpoint>;
  xTest: Tensor;
  yTest: Tensor;
  testImages: Tensor;
  testLabels: Tensor;
}): Promise<void> {
  const { model, history, checkpointer, xTest, yTest, testImages, testLabels } = args;
  await viz.plotHistory(history, { metrics: ['loss'], file: `${MODEL_DIR}loss.png`, formats: ['png', 'svg'] });
  console.log(`loss plot: ${MODEL_DIR}loss.png`);

  const shown = Math.min(40, xTest.shape[0]!);
  await viz.imageGrid(testImages.slice([0], [shown]), {
    labels: testLabels.slice([0], [shown]),
    predictions: model.predict(xTest.slice([0], [shown])),
    file: `${MODEL_DIR}digits.png`,
  });
  console.log(`digit grid: ${MODEL_DIR}digits.png`);

  // The best checkpoint, loaded back, scores what the run reported for that epoch
  // (evaluated at the batch size fit used for validation, so the sums are the same).
  if (checkpointer.lastSavedPath) {
    const best = await loadModel(checkpointer.lastSavedPath);
    const [loss, accuracy] = await best.evaluate(xTest, yTest, { batchSize: 200, verbose: 0 });
    console.log(
      `best model ${checkpointer.lastSavedPath}: test loss ${loss!.toFixed(4)}, Test Accuracy: ${accuracy!.toFixed(4)}`,
    );
  }
}

/**
 * The lecture's RNN examples: fit with the test set as validation data, print the test accuracy
 * as the lecture does, and plot the losses to ./model/<name>-loss.png.
 */
export async function fitAndScore(
  name: string,
  model: Model,
  [xTrain, yTrain]: [Tensor, Tensor],
  [xTest, yTest]: [Tensor, Tensor],
  options: { batchSize: number; epochs: number; verbose: 0 | 1 | 2 },
): Promise<void> {
  const started = Date.now();
  const history = await model.fit(xTrain, yTrain, { ...options, validationData: [xTest, yTest] });
  const seconds = (Date.now() - started) / 1000;
  const [, accuracy] = await model.evaluate(xTest, yTest, { verbose: 0 });
  console.log(`\n Test Accuracy: ${accuracy!.toFixed(4)}`);
  console.log(`(${history.epoch.length} epochs in ${seconds.toFixed(1)} s)`);
  mkdirSync(MODEL_DIR, { recursive: true });
  await viz.plotHistory(history, { file: `${MODEL_DIR}${name}-loss.png` });
  console.log(`loss plot: ${MODEL_DIR}${name}-loss.png`);
}
