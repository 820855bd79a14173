export { Callback } from './callback.js';
export type { Logs, TrainingParams, CallbackModel } from './callback.js';
export { History } from './history.js';
export { ProgbarLogger } from './progbar-logger.js';
