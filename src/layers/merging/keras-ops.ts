import type { LayerArgs, ShapeValue, SymbolicShape } from '../layer.js';
import { formatShape } from '../layer.js';
import { Add } from './add.js';
import type { Merge } from './merge-base.js';
import { Multiply } from './multiply.js';
import { Subtract } from './subtract.js';

/**
 * Keras 3 writes `x + y`, `x - y` and `x * y` on symbolic tensors inside a Functional model as
 * operations (module keras.src.ops.numpy, class Add / Subtract / Multiply, called with two tensor
 * arguments). For two tensors of the same rank, NumPy broadcasting and the merge layers'
 * broadcasting agree, so these load as the matching merge layer; operands of different ranks are
 * refused (the merge layers insert new axes after the batch axis where NumPy prepends them).
 * Saved again, they are written as keras.layers.Add / Subtract / Multiply, which compute the same.
 */
function checkSameRank(layer: Merge, kerasName: string, inputShape: ShapeValue): void {
  const shapes = inputShape as SymbolicShape[];
  if (Array.isArray(shapes) && shapes.length === 2 && shapes[0]!.length !== shapes[1]!.length)
    throw new Error(
      `Layer '${layer.name}' (keras.ops ${kerasName}): operands of different ranks (${shapes.map(formatShape).join(' and ')}) ` +
        'are not supported; NumPy broadcasting of unequal ranks is not implemented.',
    );
}

/** The operation's two tensor arguments arrive as one list (see functional-config's replay). */
class AddOperation extends Add {
  readonly packsPositionalArguments = true;
  override get className(): string {
    return 'Add';
  }
  override computeOutputShape(inputShape: ShapeValue): ShapeValue {
    checkSameRank(this, 'Add', inputShape);
    return super.computeOutputShape(inputShape);
  }
}

class SubtractOperation extends Subtract {
  readonly packsPositionalArguments = true;
  override get className(): string {
    return 'Subtract';
  }
  override computeOutputShape(inputShape: ShapeValue): ShapeValue {
    checkSameRank(this, 'Subtract', inputShape);
    return super.computeOutputShape(inputShape);
  }
}

class MultiplyOperation extends Multiply {
  readonly packsPositionalArguments = true;
  override get className(): string {
    return 'Multiply';
  }
  override computeOutputShape(inputShape: ShapeValue): ShapeValue {
    checkSameRank(this, 'Multiply', inputShape);
    return super.computeOutputShape(inputShape);
  }
}

const OPS: Record<string, new (args: LayerArgs) => Merge> = {
  Add: AddOperation,
  Subtract: SubtractOperation,
  Multiply: MultiplyOperation,
};

export const KERAS_NUMPY_OPS: readonly string[] = Object.keys(OPS);

/** The merge layer standing in for a saved keras.ops.numpy operation, or null for one we lack. */
export function numpyOpLayer(className: string, args: LayerArgs): Merge | null {
  const Cls = Object.hasOwn(OPS, className) ? OPS[className] : undefined;
  return Cls ? new Cls(args) : null;
}
