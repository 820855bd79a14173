import type { CallbackModel } from './callback.js';

/** The learning rate of a compiled model's optimizer, as callbacks that adjust it need. */
interface OptimizerModel {
  optimizer: { learningRate: number } | null;
}

export function optimizerOf(model: CallbackModel | null, who: string): { learningRate: number } {
  const opt = (model as unknown as OptimizerModel | null)?.optimizer;
  if (!opt || typeof opt.learningRate !== 'number')
    throw new Error(`${who}: the model has no optimizer with a learning rate; call compile() first.`);
  return opt;
}
