export { toCategorical } from './to-categorical.js';
export { setRandomSeed } from '../core/random.js';
export { clearSession } from './naming.js';
