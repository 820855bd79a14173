/**
 * Makes Embedding, SimpleRNN, GRU, LSTM and Bidirectional loadable from Keras 2 / Keras 3 model
 * configs. Importing this module registers them; Keras options deepscript lacks fail loudly.
 */
import type { ActivationName } from './activations.js';
import { Bidirectional } from './bidirectional.js';
import type { MergeMode } from './bidirectional.js';
import { Embedding } from './embedding.js';
import { GRU } from './gru.js';
import type { InitializerIdentifier } from './initializers.js';
import type { Layer, LayerArgs } from './layer.js';
import { LSTM } from './lstm.js';
import type { RNN, RNNArgs } from './rnn-base.js';
import { SimpleRNN } from './simple-rnn.js';
import type { LayerEntry } from './serialization.js';
import { LORA_KEYS, deserializeLayer, penaltyArgs, refuseLora, registerLayer } from './serialization.js';

function activation(a: unknown): ActivationName | null | undefined {
  if (a === undefined) return undefined;
  if (a === null || typeof a === 'string') return a as ActivationName | null;
  throw new Error(`activation must be a built-in name, got ${JSON.stringify(a)}.`);
}

function flag(c: Record<string, unknown>, key: string): boolean | undefined {
  const v = c[key];
  return typeof v === 'boolean' ? v : undefined;
}

function num(c: Record<string, unknown>, key: string): number | undefined {
  const v = c[key];
  return typeof v === 'number' ? v : undefined;
}

function init(c: Record<string, unknown>, key: string): InitializerIdentifier | undefined {
  return (c[key] ?? undefined) as InitializerIdentifier | undefined;
}

/** Options common to the three recurrent layers, from a Keras config. */
function rnnArgs(c: Record<string, unknown>, common: LayerArgs): RNNArgs {
  if (c['stateful'] === true) throw new Error('stateful RNNs are not supported.');
  if (c['time_major'] === true) throw new Error('time_major inputs are not supported.');
  if (c['zero_output_for_mask'] === true && c['return_sequences'] === true)
    throw new Error(
      `'zero_output_for_mask': true is not supported (a masked step outputs the carried state here, Keras's default).`,
    );
  const args: RNNArgs = {
    ...common,
    ...penaltyArgs(c, ['kernel', 'recurrent', 'bias']),
    activation: activation(c['activation']),
    useBias: flag(c, 'use_bias'),
    kernelInitializer: init(c, 'kernel_initializer'),
    recurrentInitializer: init(c, 'recurrent_initializer'),
    biasInitializer: init(c, 'bias_initializer'),
    returnSequences: flag(c, 'return_sequences'),
    returnState: flag(c, 'return_state'),
    goBackwards: flag(c, 'go_backwards'),
    dropout: num(c, 'dropout'),
    recurrentDropout: num(c, 'recurrent_dropout'),
  };
  // Drop unset keys so the constructors' defaults apply.
  for (const k of Object.keys(args) as (keyof RNNArgs)[]) if (args[k] === undefined) delete args[k];
  return args;
}

registerLayer(
  'Embedding',
  (c, { inputDim: _vocabulary, ...common }) => {
    // Embedding's input_dim is its vocabulary size, not the generic shorthand for an input shape.
    refuseLora(c);
    if (c['sparse'] === true) throw new Error('sparse embeddings are not supported.');
    return new Embedding(c['input_dim'] as number, c['output_dim'] as number, {
      ...common,
      ...penaltyArgs(c, ['embeddings']),
      ...(c['embeddings_initializer']
        ? { embeddingsInitializer: c['embeddings_initializer'] as InitializerIdentifier }
        : {}),
      maskZero: flag(c, 'mask_zero') ?? false,
      inputLength: (c['input_length'] as number | null | undefined) ?? null,
    });
  },
  [
    'output_dim',
    'embeddings_initializer',
    'embeddings_regularizer',
    'embeddings_constraint',
    'mask_zero',
    'input_length',
    'sparse',
    ...LORA_KEYS,
  ],
);

/**
 * Keys every recurrent config may hold. No effect here: `unroll`, Keras 2's `implementation`
 * (how TensorFlow batches the gate matmuls), Keras 3's `use_cudnn` and `seed` (dropout masks come
 * from deepscript's own seeded generator).
 */
const RNN_KEYS = [
  'units',
  'activation',
  'use_bias',
  'kernel_initializer',
  'recurrent_initializer',
  'bias_initializer',
  'kernel_regularizer',
  'recurrent_regularizer',
  'bias_regularizer',
  'kernel_constraint',
  'recurrent_constraint',
  'bias_constraint',
  'dropout',
  'recurrent_dropout',
  'return_sequences',
  'return_state',
  'go_backwards',
  'stateful',
  'unroll',
  'time_major',
  'zero_output_for_mask',
  'implementation',
  'use_cudnn',
  'seed',
];

registerLayer('SimpleRNN', (c, common) => new SimpleRNN(c['units'] as number, rnnArgs(c, common)), RNN_KEYS);

registerLayer(
  'GRU',
  (c, common) => {
    const ra = activation(c['recurrent_activation']);
    return new GRU(c['units'] as number, {
      ...rnnArgs(c, common),
      ...(ra !== undefined ? { recurrentActivation: ra } : {}),
      ...(flag(c, 'reset_after') !== undefined ? { resetAfter: flag(c, 'reset_after') } : {}),
    });
  },
  [...RNN_KEYS, 'recurrent_activation', 'reset_after'],
);

registerLayer(
  'LSTM',
  (c, common) => {
    const ra = activation(c['recurrent_activation']);
    return new LSTM(c['units'] as number, {
      ...rnnArgs(c, common),
      ...(ra !== undefined ? { recurrentActivation: ra } : {}),
      ...(flag(c, 'unit_forget_bias') !== undefined ? { unitForgetBias: flag(c, 'unit_forget_bias') } : {}),
    });
  },
  [...RNN_KEYS, 'recurrent_activation', 'unit_forget_bias'],
);

registerLayer(
  'Bidirectional',
  (c, common) => {
    const mode = c['merge_mode'] === undefined ? 'concat' : c['merge_mode'];
    if (mode === null) throw new Error('merge_mode None (a list of both outputs) is not supported.');
    const inner = deserializeLayer(c['layer'] as LayerEntry);
    if (!(inner instanceof SimpleRNN || inner instanceof GRU || inner instanceof LSTM)) {
      throw new Error(`Bidirectional wraps SimpleRNN, GRU or LSTM here, got ${inner.className}.`);
    }
    // Keras 3 always writes backward_layer: accepted when it is the mirror of `layer` (the layer
    // deepscript builds itself); a different backward layer is refused.
    if (c['backward_layer'] !== undefined && c['backward_layer'] !== null) {
      const back = deserializeLayer(c['backward_layer'] as LayerEntry);
      const comparable = (l: Layer, flip: boolean): string => {
        const { name: _n, batch_input_shape: _b, go_backwards: g, ...rest } = l.getConfig();
        return JSON.stringify({ ...rest, go_backwards: flip ? !g : g });
      };
      if (back.className !== inner.className || comparable(back, true) !== comparable(inner, false))
        throw new Error('a backward_layer other than the mirror of `layer` (goBackwards flipped) is not supported.');
    }
    if (typeof c['num_constants'] === 'number' && c['num_constants'] !== 0)
      throw new Error('Bidirectional with constants (num_constants) is not supported.');
    return new Bidirectional(inner as RNN, { ...common, mergeMode: mode as MergeMode });
  },
  ['layer', 'merge_mode', 'backward_layer', 'num_constants'],
);
