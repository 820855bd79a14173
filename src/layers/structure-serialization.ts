/**
 * Keras 2 / Keras 3 config loaders for the activation, noise, reshaping, Masking and
 * TimeDistributed layers. Importing this module registers them. Keys Keras writes are read with
 * Keras's defaults; options deepscript lacks (channels_first, regularizers, constraints) fail
 * loudly, naming the option.
 */
import { ELU, LeakyReLU, PReLU, Softmax } from './activation-layers.js';
import type { InitializerIdentifier } from './initializers.js';
import type { LayerArgs } from './layer.js';
import { Masking } from './masking.js';
import { AlphaDropout, GaussianDropout, GaussianNoise, SpatialDropout1D, SpatialDropout2D } from './noise.js';
import {
  Cropping1D,
  Cropping2D,
  Permute,
  RepeatVector,
  UpSampling1D,
  UpSampling2D,
  ZeroPadding1D,
  ZeroPadding2D,
} from './reshaping.js';
import type { Interpolation } from './reshaping.js';
import type { LayerEntry } from './serialization.js';
import { deserializeLayer, registerLayer } from './serialization.js';
import { TimeDistributed } from './time-distributed.js';

type Config = Record<string, unknown>;

function requireNull(c: Config, keys: string[]): void {
  for (const k of keys)
    if (c[k] !== undefined && c[k] !== null) throw new Error(`'${k}' is not supported (got ${JSON.stringify(c[k])}).`);
}

/** A data_format other than channels_last is refused here, so the message names the layer (deserializeLayer adds it). */
function channelsLast(c: Config): void {
  const f = c['data_format'];
  if (f !== undefined && f !== null && f !== 'channels_last')
    throw new Error(
      `data_format '${String(f)}' is not supported (only channels_last; transpose the data to (batch, ..., channels)).`,
    );
}

const num = (c: Config, key: string, fallback: number): number => {
  const v = c[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number') throw new Error(`${key} must be a number, got ${JSON.stringify(v)}.`);
  return v;
};

const seed = (c: Config): { seed?: number | null } =>
  c['seed'] === undefined ? {} : { seed: c['seed'] as number | null };

registerLayer('LeakyReLU', (c, common) => {
  // Keras 3 writes negative_slope; Keras 2 wrote alpha (Keras 3 still reads it).
  const slope = c['negative_slope'] ?? c['alpha'];
  return new LeakyReLU({ ...common, negativeSlope: slope === undefined || slope === null ? 0.3 : (slope as number) });
});

registerLayer('PReLU', (c, common) => {
  requireNull(c, ['alpha_regularizer', 'alpha_constraint']);
  const init = c['alpha_initializer'];
  return new PReLU({
    ...common,
    ...(init ? { alphaInitializer: init as InitializerIdentifier } : {}),
    sharedAxes: (c['shared_axes'] as number | number[] | null | undefined) ?? null,
  });
});

registerLayer('ELU', (c, common) => new ELU({ ...common, alpha: num(c, 'alpha', 1) }));

registerLayer(
  'Softmax',
  (c, common) => new Softmax({ ...common, axis: (c['axis'] as number | number[] | undefined) ?? -1 }),
);

registerLayer('Masking', (c, common) => new Masking({ ...common, maskValue: num(c, 'mask_value', 0) }));

registerLayer('RepeatVector', (c, common) => new RepeatVector(c['n'] as number, common));

registerLayer('Permute', (c, common) => new Permute(c['dims'] as number[], common));

registerLayer('GaussianNoise', (c, common) => new GaussianNoise(c['stddev'] as number, { ...common, ...seed(c) }));

registerLayer('GaussianDropout', (c, common) => new GaussianDropout(c['rate'] as number, { ...common, ...seed(c) }));

registerLayer(
  'AlphaDropout',
  (c, common) =>
    new AlphaDropout(c['rate'] as number, {
      ...common,
      ...seed(c),
      noiseShape: (c['noise_shape'] as (number | null)[] | null | undefined) ?? null,
    }),
);

// tf.keras's spatial dropouts are Dropouts with a computed noise shape: their configs carry noise_shape (null).
registerLayer('SpatialDropout1D', (c, common) => {
  requireNull(c, ['noise_shape']);
  return new SpatialDropout1D(c['rate'] as number, { ...common, ...seed(c) });
});

registerLayer('SpatialDropout2D', (c, common) => {
  requireNull(c, ['noise_shape']);
  channelsLast(c);
  return new SpatialDropout2D(c['rate'] as number, { ...common, ...seed(c) });
});

registerLayer('ZeroPadding1D', (c, common) => {
  channelsLast(c);
  return new ZeroPadding1D((c['padding'] as number | [number, number] | undefined) ?? 1, common);
});

registerLayer('ZeroPadding2D', (c, common) => {
  channelsLast(c);
  return new ZeroPadding2D((c['padding'] as number | number[][] | undefined) ?? 1, common);
});

registerLayer(
  'Cropping1D',
  (c, common) => new Cropping1D((c['cropping'] as number | [number, number] | undefined) ?? [1, 1], common),
);

registerLayer('Cropping2D', (c, common) => {
  channelsLast(c);
  return new Cropping2D((c['cropping'] as number | number[][] | undefined) ?? 0, common);
});

registerLayer('UpSampling1D', (c, common) => new UpSampling1D((c['size'] as number | undefined) ?? 2, common));

registerLayer('UpSampling2D', (c, common) => {
  channelsLast(c);
  return new UpSampling2D((c['size'] as number | [number, number] | undefined) ?? [2, 2], {
    ...common,
    interpolation: ((c['interpolation'] as string | undefined) ?? 'nearest') as Interpolation,
  });
});

registerLayer('TimeDistributed', (c, common: LayerArgs) => {
  const entry = c['layer'] as LayerEntry | undefined;
  if (!entry || typeof entry !== 'object') throw new Error(`its config has no wrapped 'layer'.`);
  return new TimeDistributed(deserializeLayer(entry), common);
});
