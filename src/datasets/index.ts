export { mnist } from './mnist.js';
export type { MnistLoadOptions } from './mnist.js';
export { reuters } from './reuters.js';
export type { ReutersLoadOptions } from './reuters.js';
export { imdb } from './imdb.js';
export type { ImdbLoadOptions } from './imdb.js';
