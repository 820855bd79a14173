/**
 * All callbacks, including those that write files (ModelCheckpoint, CSVLogger). `index.ts`
 * stays Node-free for the core; the Node entry point exports this one as `callbacks`.
 */
export * from './index.js';
export { ModelCheckpoint } from './model-checkpoint.js';
export type { ModelCheckpointArgs } from './model-checkpoint.js';
export { CSVLogger } from './csv-logger.js';
export { Dashboard } from './dashboard.js';
export type { DashboardOptions, TestSamples } from './dashboard.js';
