import { toClassIndices, type ClassesLike } from '../../viz/class-indices.js';
import { confusionCounts } from '../../viz/confusion-counts.js';
import { batchLength, toBytes, toGrayImages, type ImageBatch } from '../../viz/image-data.js';

/** Test images with their true classes and what the model predicted, for the end of the page. */
export interface TestSamples {
  images: ImageBatch;
  labels: ClassesLike;
  /** Class ids or scores (e.g. `model.predict(x)`); omit to show the images with labels only. */
  predictions?: ClassesLike;
  /** Names for class ids. */
  classNames?: string[];
  /** Images shown in the grid, counted from the start; mistakes beyond them are added. Default 40. */
  max?: number;
  /** Extra misclassified images shown beyond `max`. Default 20. */
  maxMistakes?: number;
}

export interface SamplesPayload {
  width: number;
  height: number;
  total: number;
  correct: number | null;
  classNames: string[] | null;
  /** px: the 0..255 intensities, base64 (about 1 kB per MNIST digit). */
  items: { index: number; label: number; prediction: number | null; px: string }[];
  confusion: number[][] | null;
}

/** Converts test samples to the compact JSON the page draws (the page scales its own canvases). */
export function samplesPayload(s: TestSamples): SamplesPayload {
  const labels = toClassIndices(s.labels);
  const preds = s.predictions !== undefined ? toClassIndices(s.predictions) : null;
  if (preds && preds.length !== labels.length) {
    throw new Error(`Dashboard: ${labels.length} test labels but ${preds.length} predictions.`);
  }
  const n = Math.min(batchLength(s.images), labels.length);
  const max = s.max ?? 40;
  const chosen: number[] = [];
  for (let i = 0; i < Math.min(n, max); i++) chosen.push(i);
  if (preds) {
    let extra = s.maxMistakes ?? 20;
    for (let i = chosen.length; i < n && extra > 0; i++) {
      if (preds[i] !== labels[i]) {
        chosen.push(i);
        extra--;
      }
    }
  }
  const images = toGrayImages(s.images, {}, chosen);
  let classes = s.classNames?.length ?? 0;
  for (let i = 0; i < n; i++) classes = Math.max(classes, labels[i]! + 1, (preds?.[i] ?? 0) + 1);
  return {
    width: images[0]?.width ?? 0,
    height: images[0]?.height ?? 0,
    total: n,
    correct: preds ? labels.slice(0, n).filter((l, i) => preds[i] === l).length : null,
    classNames: s.classNames ?? null,
    items: chosen.map((i, k) => ({
      index: i,
      label: labels[i]!,
      prediction: preds ? preds[i]! : null,
      px: Buffer.from(toBytes(images[k]!)).toString('base64'),
    })),
    confusion: preds ? confusionCounts(labels.slice(0, n), preds.slice(0, n), classes) : null,
  };
}
