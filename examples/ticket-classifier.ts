/**
 * A model with two inputs and two outputs, written with the Functional API (Keras's "multi-input
 * and multi-output models" guide, on generated data): support tickets arrive as a title and a
 * body (bags of words); the model predicts a priority (binary) and the department (one of 4).
 * Each output has its own loss; lossWeights say how much each counts in the total.
 *
 *   npm run example:ticket-classifier -- [--epochs 10] [--seed 0] [--verbose 0|1|2]
 */
import { Input, Model, Tensor, layers, setRandomSeed, utils, viz } from '../src/index.js';
import { exampleOptions, intArg } from './args.js';

const { args, epochs, verbose } = exampleOptions({ epochs: 10, verbose: 2 });
setRandomSeed(intArg(args, 'seed', 0));

// Generated tickets: department d uses words from its own block of the vocabulary more often,
// and urgent tickets use the "urgent" words (0-9) in their title.
const vocabulary = 200;
const departments = 4;
function tickets(n: number, seed: number): { title: Tensor; body: Tensor; priority: Tensor; department: Tensor } {
  let s = seed;
  const rand = (): number => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const title = new Float32Array(n * vocabulary);
  const body = new Float32Array(n * vocabulary);
  const priority = new Float32Array(n);
  const dept = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const d = Math.floor(rand() * departments);
    const urgent = rand() < 0.3;
    dept[i] = d;
    priority[i] = urgent ? 1 : 0;
    for (let w = 0; w < 6; w++) {
      const word = urgent && w < 2 ? Math.floor(rand() * 10) : 10 + Math.floor(rand() * (vocabulary - 10));
      title[i * vocabulary + word] = 1;
    }
    for (let w = 0; w < 30; w++) {
      const own = rand() < 0.5;
      const word = own ? 10 + d * 40 + Math.floor(rand() * 40) : 10 + Math.floor(rand() * (vocabulary - 10));
      body[i * vocabulary + word] = 1;
    }
  }
  return {
    title: new Tensor(title, [n, vocabulary]),
    body: new Tensor(body, [n, vocabulary]),
    priority: new Tensor(priority, [n, 1]),
    department: utils.toCategorical(new Tensor(dept, [n]), departments),
  };
}

const train = tickets(4000, 1);
const test = tickets(1000, 2);

const titleInput = Input({ shape: [vocabulary], name: 'title' });
const bodyInput = Input({ shape: [vocabulary], name: 'body' });
const titleFeatures = new layers.Dense(32, { activation: 'relu' }).apply(titleInput);
const bodyFeatures = new layers.Dense(64, { activation: 'relu' }).apply(bodyInput);
const features = layers.concatenate([titleFeatures, bodyFeatures]);
const priority = new layers.Dense(1, { activation: 'sigmoid', name: 'priority' }).apply(features);
const department = new layers.Dense(departments, { activation: 'softmax', name: 'department' }).apply(features);
const model = new Model({
  inputs: [titleInput, bodyInput],
  outputs: [priority, department],
  name: 'ticket_classifier',
});
model.summary();

model.compile({
  optimizer: 'adam',
  loss: { priority: 'binary_crossentropy', department: 'categorical_crossentropy' },
  lossWeights: { priority: 1.0, department: 0.2 },
  metrics: { priority: ['accuracy'], department: ['accuracy'] },
});

const history = await model.fit(
  { title: train.title, body: train.body },
  { priority: train.priority, department: train.department },
  {
    epochs,
    batchSize: 32,
    verbose,
    validationData: [
      { title: test.title, body: test.body },
      { priority: test.priority, department: test.department },
    ],
  },
);
console.log(`history keys: ${Object.keys(history.history).join(', ')}`);
const results = await model.evaluate([test.title, test.body], [test.priority, test.department], { verbose: 0 });
console.log(model.metricsNames.map((name, i) => `${name}: ${results[i]!.toFixed(4)}`).join(' - '));
await viz.plotModel(model, { file: 'model/ticket-classifier.png', showShapes: true, showLayerNames: true });
console.log('layer graph: model/ticket-classifier.png');
