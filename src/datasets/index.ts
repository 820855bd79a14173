export { mnist } from './mnist.js';
export type { MnistLoadOptions } from './mnist.js';
