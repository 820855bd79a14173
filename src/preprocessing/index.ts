/** Keras's preprocessing namespaces: `preprocessing.sequence.padSequences`, `preprocessing.text.Tokenizer`. */
export * as sequence from './sequence.js';
export * as text from './text.js';
