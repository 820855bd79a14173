import { Sequential } from '../../src/models/sequential.js';
import { Dense } from '../../src/layers/dense.js';
import { mnist } from '../../src/datasets/mnist.js';
import { toCategorical } from '../../src/utils/to-categorical.js';
import type { Workload } from './workload.js';

/** The lecture's MLP on MNIST: 784 -> Dense(512, relu) -> Dense(10, softmax), Adam, batch 200. */
export function mlpWorkload(): Workload {
  const [[xTrain, yTrain], [xTest, yTest]] = mnist.loadData();
  const model = new Sequential([
    new Dense(512, { inputDim: 784, activation: 'relu' }),
    new Dense(10, { activation: 'softmax' }),
  ]);
  model.compile({ loss: 'categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });
  return {
    model,
    x: xTrain.reshape([-1, 784]).astype('float32').div(255),
    y: toCategorical(yTrain, 10),
    xVal: xTest.reshape([-1, 784]).astype('float32').div(255),
    yVal: toCategorical(yTest, 10),
    batchSize: 200,
  };
}
