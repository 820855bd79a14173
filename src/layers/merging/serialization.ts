import { registerLayer } from '../serialization.js';
import { Add } from './add.js';
import { Average } from './average.js';
import { Concatenate } from './concatenate.js';
import { Dot } from './dot.js';
import { Maximum } from './maximum.js';
import { Minimum } from './minimum.js';
import { Multiply } from './multiply.js';
import { Subtract } from './subtract.js';

// Keras configs of the merge layers: the common keys, plus Concatenate's axis and Dot's axes and normalize.
for (const [name, Cls] of [
  ['Add', Add],
  ['Subtract', Subtract],
  ['Multiply', Multiply],
  ['Average', Average],
  ['Maximum', Maximum],
  ['Minimum', Minimum],
] as const)
  registerLayer(name, (_c, common) => new Cls(common), []);

registerLayer(
  'Concatenate',
  (c, common) => new Concatenate({ ...common, axis: (c['axis'] as number | undefined) ?? -1 }),
  ['axis'],
);

registerLayer(
  'Dot',
  (c, common) => {
    const axes = c['axes'];
    return new Dot(Array.isArray(axes) ? [axes[0] as number, axes[1] as number] : (axes as number), {
      ...common,
      normalize: (c['normalize'] as boolean | undefined) ?? false,
    });
  },
  ['axes', 'normalize'],
);
