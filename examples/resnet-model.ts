/**
 * The small residual CNN of examples/mnist-resnet.ts and of the `resnet` bench workload, written
 * with the Functional API:
 *
 *   Input(28, 28, 1)
 *   -> stem: Conv2D(32, 3x3, same, no bias) -> BatchNormalization -> relu -> MaxPooling2D(2)   (14 x 14)
 *   -> residual block 1                                                                         (14 x 14)
 *   -> MaxPooling2D(2)                                                                          (7 x 7)
 *   -> residual blocks 2 and 3                                                                  (7 x 7)
 *   -> GlobalAveragePooling2D -> Dense(10, softmax)
 *
 * A residual block is Conv2D -> BatchNormalization -> relu -> Conv2D -> BatchNormalization,
 * added to the block's input (an identity `Add` shortcut: the channel count stays 32), then relu.
 * The convolutions have no bias because the BatchNormalization after each adds its own offset.
 * bench/pytorch/resnet.py builds the same network in PyTorch.
 */
import { Input, Model, layers } from '../src/index.js';

type SymbolicTensor = layers.SymbolicTensor;

export const RESNET_FILTERS = 32;

function convBn(x: SymbolicTensor, name: string): SymbolicTensor {
  const conv = new layers.Conv2D(RESNET_FILTERS, [3, 3], { padding: 'same', useBias: false, name: `${name}_conv` });
  return new layers.BatchNormalization({ name: `${name}_bn` }).apply(conv.apply(x));
}

function residualBlock(x: SymbolicTensor, name: string): SymbolicTensor {
  const h = new layers.Activation('relu', { name: `${name}_relu1` }).apply(convBn(x, `${name}_a`));
  const f = convBn(h, `${name}_b`);
  const sum = layers.add([x, f], { name: `${name}_add` });
  return new layers.Activation('relu', { name: `${name}_out` }).apply(sum);
}

/** Builds (does not compile) the residual CNN; weights come from the current random seed. */
export function buildMnistResnet(): Model {
  const input = Input({ shape: [28, 28, 1], name: 'image' });
  let x = new layers.Activation('relu', { name: 'stem_relu' }).apply(convBn(input, 'stem'));
  x = new layers.MaxPooling2D({ poolSize: 2, name: 'stem_pool' }).apply(x);
  x = residualBlock(x, 'block1');
  x = new layers.MaxPooling2D({ poolSize: 2, name: 'block1_pool' }).apply(x);
  x = residualBlock(x, 'block2');
  x = residualBlock(x, 'block3');
  x = new layers.GlobalAveragePooling2D({ name: 'gap' }).apply(x);
  const output = new layers.Dense(10, { activation: 'softmax', name: 'predictions' }).apply(x);
  return new Model({ inputs: input, outputs: output, name: 'mnist_resnet' });
}
