import { Sequential } from '../../src/models/sequential.js';
import { Conv2D } from '../../src/layers/conv2d.js';
import { Dense } from '../../src/layers/dense.js';
import { Dropout } from '../../src/layers/dropout.js';
import { Flatten } from '../../src/layers/flatten.js';
import { MaxPooling2D } from '../../src/layers/max-pooling2d.js';
import { mnist } from '../../src/datasets/mnist.js';
import { toCategorical } from '../../src/utils/to-categorical.js';
import type { Workload } from './workload.js';

/**
 * The lecture's CNN on MNIST: Conv2D(32, 3x3, relu) -> Conv2D(64, 3x3, relu) -> MaxPooling2D(2)
 * -> Dropout(0.25) -> Flatten -> Dense(128, relu) -> Dropout(0.5) -> Dense(10, softmax), Adam,
 * batch 200. Use --max-batches on the reference backend: a full epoch is 300 slow batches.
 */
export function cnnWorkload(): Workload {
  const [[xTrain, yTrain], [xTest, yTest]] = mnist.loadData();
  const model = new Sequential([
    new Conv2D(32, [3, 3], { inputShape: [28, 28, 1], activation: 'relu' }),
    new Conv2D(64, [3, 3], { activation: 'relu' }),
    new MaxPooling2D({ poolSize: 2 }),
    new Dropout(0.25),
    new Flatten(),
    new Dense(128, { activation: 'relu' }),
    new Dropout(0.5),
    new Dense(10, { activation: 'softmax' }),
  ]);
  model.compile({ loss: 'categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });
  return {
    model,
    x: xTrain.reshape([-1, 28, 28, 1]).astype('float32').div(255),
    y: toCategorical(yTrain, 10),
    xVal: xTest.reshape([-1, 28, 28, 1]).astype('float32').div(255),
    yVal: toCategorical(yTest, 10),
    batchSize: 200,
  };
}
