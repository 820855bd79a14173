/** Whether a larger or a smaller monitored value is better, following Keras's `mode` rules. */
export type MonitorMode = 'auto' | 'min' | 'max';

/**
 * `auto` reads the metric's name as Keras does: accuracies (and, as Keras 2.x, `fmeasure*`)
 * and `*auc` go up; everything else (losses) goes down.
 */
export function isMaxMode(mode: MonitorMode, monitor: string, who: string): boolean {
  if (mode !== 'auto' && mode !== 'min' && mode !== 'max') {
    throw new Error(`${who}: mode must be 'auto', 'min' or 'max', got '${String(mode)}'.`);
  }
  if (mode === 'auto') return monitor.includes('acc') || monitor.startsWith('fmeasure') || monitor.endsWith('auc');
  return mode === 'max';
}
