/**
 * Keras 2 / Keras 3 config loaders for the preprocessing layers. Importing this module registers
 * them with every config key Keras writes, so a key deepscript does not know is refused by name.
 */
import type { LayerArgs } from '../layer.js';
import { registerLayer } from '../serialization.js';
import { CategoryEncoding } from './category-encoding.js';
import type { CategoryEncodingArgs } from './category-encoding.js';
import { CenterCrop } from './center-crop.js';
import type { ArrayLikeValue } from './normalization.js';
import { Normalization } from './normalization.js';
import { RandomContrast } from './random-contrast.js';
import type { Factor } from './random-factor.js';
import type { RandomAffineArgs } from './random-affine-layer.js';
import { RandomFlip } from './random-flip.js';
import type { FlipMode } from './random-flip.js';
import { RandomRotation } from './random-rotation.js';
import { RandomTranslation } from './random-translation.js';
import { RandomZoom } from './random-zoom.js';
import { Rescaling } from './rescaling.js';
import type { ScaleValue } from './rescaling.js';
import { Resizing } from './resizing.js';
import type { ResizingArgs } from './resizing.js';
import { TextVectorization } from './text-vectorization.js';
import type { TextVectorizationArgs } from './text-vectorization.js';

type Config = Record<string, unknown>;

/** Keys with a value only present when given (Keras writes them unconditionally or not at all). */
const defined = <T extends object>(entries: T): Partial<T> =>
  Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined)) as Partial<T>;

/** A number, a list, or Keras 3's serialized NumPy array {class_name: '__numpy__', config: {value}}. */
function arrayValue(v: unknown): unknown {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as { class_name?: unknown; config?: { value?: unknown } };
    if (o.class_name === '__numpy__' && o.config) return o.config.value;
    throw new Error(`unreadable array value ${JSON.stringify(v).slice(0, 80)}.`);
  }
  return v;
}

const DATA_FORMAT = 'data_format';

const seedArg = (c: Config): { seed?: number | null } =>
  c['seed'] === undefined ? {} : { seed: c['seed'] as number | null };

const dataFormatArg = (c: Config): { dataFormat?: 'channels_last' | null } =>
  c[DATA_FORMAT] === undefined ? {} : { dataFormat: c[DATA_FORMAT] as 'channels_last' | null };

function affineArgs(c: Config, common: LayerArgs): RandomAffineArgs {
  return {
    ...common,
    ...seedArg(c),
    ...dataFormatArg(c),
    ...defined({
      fillMode: c['fill_mode'] as RandomAffineArgs['fillMode'],
      interpolation: c['interpolation'] as RandomAffineArgs['interpolation'],
      fillValue: c['fill_value'] as number | undefined,
    }),
  };
}

const AFFINE_KEYS = ['fill_mode', 'interpolation', 'seed', 'fill_value', DATA_FORMAT];

registerLayer(
  'Rescaling',
  (c, common) =>
    new Rescaling(arrayValue(c['scale']) as ScaleValue, (arrayValue(c['offset'] ?? 0) as ScaleValue) ?? 0, common),
  ['scale', 'offset'],
);

registerLayer(
  'Normalization',
  (c, common) =>
    new Normalization({
      ...common,
      axis: c['axis'] === undefined ? -1 : (c['axis'] as number | number[] | null),
      mean: (arrayValue(c['mean']) ?? null) as ArrayLikeValue | null,
      variance: (arrayValue(c['variance']) ?? null) as ArrayLikeValue | null,
      invert: (c['invert'] as boolean | undefined) ?? false,
    }),
  ['axis', 'invert', 'mean', 'variance'],
);

registerLayer(
  'Resizing',
  (c, common) =>
    new Resizing(c['height'] as number, c['width'] as number, {
      ...common,
      ...dataFormatArg(c),
      ...defined({
        interpolation: c['interpolation'] as ResizingArgs['interpolation'],
        cropToAspectRatio: c['crop_to_aspect_ratio'] as boolean | undefined,
        padToAspectRatio: c['pad_to_aspect_ratio'] as boolean | undefined,
        fillMode: c['fill_mode'] as 'constant' | undefined,
        fillValue: c['fill_value'] as number | undefined,
        antialias: c['antialias'] as boolean | undefined,
      }),
    }),
  [
    'height',
    'width',
    'interpolation',
    'crop_to_aspect_ratio',
    'pad_to_aspect_ratio',
    'fill_mode',
    'fill_value',
    'antialias',
    DATA_FORMAT,
  ],
);

registerLayer(
  'CenterCrop',
  (c, common) => new CenterCrop(c['height'] as number, c['width'] as number, { ...common, ...dataFormatArg(c) }),
  ['height', 'width', DATA_FORMAT],
);

registerLayer(
  'RandomFlip',
  (c, common) =>
    new RandomFlip((c['mode'] as FlipMode | undefined) ?? 'horizontal_and_vertical', {
      ...common,
      ...seedArg(c),
      ...dataFormatArg(c),
    }),
  ['mode', 'seed', DATA_FORMAT],
);

registerLayer('RandomRotation', (c, common) => new RandomRotation(c['factor'] as Factor, affineArgs(c, common)), [
  'factor',
  ...AFFINE_KEYS,
]);

registerLayer(
  'RandomTranslation',
  (c, common) =>
    new RandomTranslation(c['height_factor'] as Factor, c['width_factor'] as Factor, affineArgs(c, common)),
  ['height_factor', 'width_factor', ...AFFINE_KEYS],
);

registerLayer(
  'RandomZoom',
  (c, common) =>
    new RandomZoom(
      c['height_factor'] as Factor,
      (c['width_factor'] as Factor | null | undefined) ?? null,
      affineArgs(c, common),
    ),
  ['height_factor', 'width_factor', ...AFFINE_KEYS],
);

registerLayer(
  'RandomContrast',
  (c, common) =>
    new RandomContrast(c['factor'] as Factor, {
      ...common,
      ...seedArg(c),
      ...dataFormatArg(c),
      ...defined({ valueRange: c['value_range'] as [number, number] | undefined }),
    }),
  ['factor', 'value_range', 'seed', DATA_FORMAT],
);

registerLayer(
  'CategoryEncoding',
  (c, common) =>
    new CategoryEncoding({
      ...common,
      numTokens: c['num_tokens'] as number,
      ...defined({
        outputMode: c['output_mode'] as CategoryEncodingArgs['outputMode'],
        sparse: c['sparse'] as boolean | undefined,
      }),
    }),
  ['num_tokens', 'output_mode', 'sparse'],
);

registerLayer(
  'TextVectorization',
  (c, common) => {
    // vocabulary_size is derived (Keras writes it for information and checks nothing with it).
    const layer = new TextVectorization({
      ...common,
      ...defined({
        maxTokens: c['max_tokens'] as number | null | undefined,
        standardize: c['standardize'] as TextVectorizationArgs['standardize'],
        split: c['split'] as TextVectorizationArgs['split'],
        ngrams: c['ngrams'] as number | number[] | null | undefined,
        outputMode: c['output_mode'] as TextVectorizationArgs['outputMode'],
        outputSequenceLength: c['output_sequence_length'] as number | null | undefined,
        padToMaxTokens: c['pad_to_max_tokens'] as boolean | undefined,
        vocabulary: c['vocabulary'] as string[] | null | undefined,
        idfWeights: arrayValue(c['idf_weights']) as number[] | null | undefined,
        sparse: c['sparse'] as boolean | undefined,
        ragged: c['ragged'] as boolean | undefined,
        encoding: c['encoding'] as 'utf-8' | undefined,
      }),
    });
    const size = c['vocabulary_size'];
    if (typeof size === 'number' && c['vocabulary'] && size !== layer.vocabularySize())
      throw new Error(`vocabulary_size ${size} does not match the vocabulary's ${layer.vocabularySize()} entries.`);
    return layer;
  },
  [
    'max_tokens',
    'standardize',
    'split',
    'ngrams',
    'output_mode',
    'output_sequence_length',
    'pad_to_max_tokens',
    'sparse',
    'ragged',
    'vocabulary',
    'idf_weights',
    'encoding',
    'vocabulary_size',
  ],
);
