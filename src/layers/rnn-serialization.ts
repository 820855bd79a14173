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
import type { LayerArgs } from './layer.js';
import { LSTM } from './lstm.js';
import type { RNN, RNNArgs } from './rnn-base.js';
import { SimpleRNN } from './simple-rnn.js';
import type { LayerEntry } from './serialization.js';
import { deserializeLayer, registerLayer } from './serialization.js';

function requireNull(c: Record<string, unknown>, keys: string[]): void {
  for (const k of keys) {
    if (c[k] !== undefined && c[k] !== null) throw new Error(`'${k}' is not supported (got ${JSON.stringify(c[k])}).`);
  }
}

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
  requireNull(c, [
    'kernel_regularizer',
    'recurrent_regularizer',
    'bias_regularizer',
    'activity_regularizer',
    'kernel_constraint',
    'recurrent_constraint',
    'bias_constraint',
  ]);
  if (c['stateful'] === true) throw new Error('stateful RNNs are not supported.');
  if (c['time_major'] === true) throw new Error('time_major inputs are not supported.');
  const args: RNNArgs = {
    ...common,
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

registerLayer('Embedding', (c, { inputDim: _vocabulary, ...common }) => {
  // Embedding's input_dim is its vocabulary size, not the generic shorthand for an input shape.
  requireNull(c, ['embeddings_regularizer', 'activity_regularizer', 'embeddings_constraint']);
  if (c['sparse'] === true) throw new Error('sparse embeddings are not supported.');
  return new Embedding(c['input_dim'] as number, c['output_dim'] as number, {
    ...common,
    ...(c['embeddings_initializer']
      ? { embeddingsInitializer: c['embeddings_initializer'] as InitializerIdentifier }
      : {}),
    maskZero: flag(c, 'mask_zero') ?? false,
    inputLength: (c['input_length'] as number | null | undefined) ?? null,
  });
});

registerLayer('SimpleRNN', (c, common) => new SimpleRNN(c['units'] as number, rnnArgs(c, common)));

registerLayer('GRU', (c, common) => {
  const ra = activation(c['recurrent_activation']);
  return new GRU(c['units'] as number, {
    ...rnnArgs(c, common),
    ...(ra !== undefined ? { recurrentActivation: ra } : {}),
    ...(flag(c, 'reset_after') !== undefined ? { resetAfter: flag(c, 'reset_after') } : {}),
  });
});

registerLayer('LSTM', (c, common) => {
  const ra = activation(c['recurrent_activation']);
  return new LSTM(c['units'] as number, {
    ...rnnArgs(c, common),
    ...(ra !== undefined ? { recurrentActivation: ra } : {}),
    ...(flag(c, 'unit_forget_bias') !== undefined ? { unitForgetBias: flag(c, 'unit_forget_bias') } : {}),
  });
});

registerLayer('Bidirectional', (c, common) => {
  if (c['backward_layer']) throw new Error('a custom backward_layer is not supported.');
  const mode = c['merge_mode'] === undefined ? 'concat' : c['merge_mode'];
  if (mode === null) throw new Error('merge_mode None (a list of both outputs) is not supported.');
  const inner = deserializeLayer(c['layer'] as LayerEntry);
  if (!(inner instanceof SimpleRNN || inner instanceof GRU || inner instanceof LSTM)) {
    throw new Error(`Bidirectional wraps SimpleRNN, GRU or LSTM here, got ${inner.className}.`);
  }
  return new Bidirectional(inner as RNN, { ...common, mergeMode: mode as MergeMode });
});
