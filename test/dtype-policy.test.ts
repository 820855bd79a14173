// DTypePolicy as Keras defines it: compute and variable dtypes per policy name, the global policy,
// config round trip, and names Keras would reject.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DTypePolicy, getGlobalPolicy, policyTensorDtype, setGlobalPolicy } from '../src/layers/dtype-policy.js';
import * as ds from '../src/core.js';

test('policy names give the compute and variable dtypes Keras gives them', () => {
  const cases: [string, string, string][] = [
    ['float32', 'float32', 'float32'],
    ['mixed_bfloat16', 'bfloat16', 'float32'],
    ['bfloat16', 'bfloat16', 'bfloat16'],
    ['mixed_float16', 'float16', 'float32'],
    ['float64', 'float64', 'float64'],
    ['int32', 'int32', 'int32'],
  ];
  for (const [name, compute, variable] of cases) {
    const p = new DTypePolicy(name);
    assert.deepEqual([p.name, p.computeDtype, p.variableDtype], [name, compute, variable], name);
    assert.deepEqual(p.getConfig(), { name });
    assert.deepEqual(DTypePolicy.fromConfig(p.getConfig()), p);
  }
  assert.equal(new DTypePolicy().name, 'float32');
  assert.equal(String(new DTypePolicy('mixed_bfloat16')), '<DTypePolicy "mixed_bfloat16">');
  assert.throws(
    () => new DTypePolicy('mixed_bf16'),
    /DTypePolicy: 'mixed_bf16' is not a dtype policy; expected 'mixed_bfloat16'/,
  );
  assert.throws(() => new DTypePolicy('float8'), /'float8' is not a dtype policy/);
  assert.throws(() => new DTypePolicy(3 as unknown as string), /must be a string/);
  assert.equal(policyTensorDtype('bfloat16'), 'bfloat16');
  assert.throws(() => policyTensorDtype('float16'), /float16 tensors are not supported/);
});

test('the global policy: float32 by default, set by name or object, float16 compute refused', () => {
  assert.equal(getGlobalPolicy().name, 'float32');
  try {
    setGlobalPolicy('mixed_bfloat16');
    assert.equal(getGlobalPolicy().computeDtype, 'bfloat16');
    assert.equal(getGlobalPolicy().variableDtype, 'float32');
    const p = new DTypePolicy('bfloat16');
    ds.mixedPrecision.setGlobalPolicy(p);
    assert.equal(ds.mixedPrecision.getGlobalPolicy(), p);
    assert.throws(
      () => setGlobalPolicy('mixed_float16'),
      /policy 'mixed_float16' computes in float16.*'mixed_bfloat16'/,
    );
    assert.equal(getGlobalPolicy(), p, 'a refused policy leaves the old one in place');
    assert.throws(() => setGlobalPolicy('nope'), /'nope' is not a dtype policy/);
  } finally {
    setGlobalPolicy('float32');
  }
  assert.ok(ds.DTypePolicy === DTypePolicy);
});
