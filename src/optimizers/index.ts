export { Optimizer } from './optimizer.js';
export { Adam } from './adam.js';
export type { AdamArgs } from './adam.js';
export { SGD } from './sgd.js';
export type { SgdArgs } from './sgd.js';
export { RMSprop } from './rmsprop.js';
export type { RmspropArgs } from './rmsprop.js';
export { getOptimizer } from './get-optimizer.js';
