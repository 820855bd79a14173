import { mnist } from '../../src/datasets/mnist.js';
import { toCategorical } from '../../src/utils/to-categorical.js';
import { buildMnistResnet } from '../../examples/resnet-model.js';
import type { Workload } from './workload.js';

/**
 * The small residual CNN of examples/mnist-resnet.ts (Functional API: conv stem, three residual
 * blocks of Conv2D + BatchNormalization + relu with Add shortcuts, GlobalAveragePooling2D, Dense
 * softmax) on MNIST, Adam, batch 128. bench/pytorch/resnet.py is the same model in PyTorch.
 */
export function resnetWorkload(): Workload {
  const [[xTrain, yTrain], [xTest, yTest]] = mnist.loadData();
  const model = buildMnistResnet();
  model.compile({ loss: 'categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });
  return {
    model,
    x: xTrain.reshape([-1, 28, 28, 1]).astype('float32').div(255),
    y: toCategorical(yTrain, 10),
    xVal: xTest.reshape([-1, 28, 28, 1]).astype('float32').div(255),
    yVal: toCategorical(yTest, 10),
    batchSize: 128,
  };
}
