/**
 * deepscript for Node.js: the core API plus what needs Node (datasets from npm packages,
 * files, the native backend).
 */
export * from './core.js';
export * as datasets from './datasets/index.js';
