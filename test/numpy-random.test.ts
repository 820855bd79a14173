import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NumpyRandomState } from '../src/utils/numpy-random.js';

// Reference values computed once with Debian's python3-numpy (NumPy 2.4.6), e.g.:
//   python3 -c "import numpy as np; bg = np.random.MT19937(); bg._legacy_seeding(113); print(bg.random_raw(8))"
//   python3 -c "import numpy as np; print(np.random.RandomState(113).get_state()[1][:5])"
//   python3 -c "import numpy as np; print(np.random.RandomState(113).permutation(10))"
//   python3 -c "import numpy as np; a = np.arange(11228); np.random.RandomState(113).shuffle(a); print(a[:10], a[-5:])"

test('MT19937 outputs after np.random.seed(113)', () => {
  const rs = new NumpyRandomState(113);
  const got = Array.from({ length: 8 }, () => rs.nextUint32());
  assert.deepEqual(got, [3659249829, 529109724, 317413538, 548173386, 3843702636, 3884559106, 1874725526, 1042219799]);
});

test('MT19937 state regenerates correctly (outputs 624-629, second twist)', () => {
  const rs = new NumpyRandomState(113);
  for (let i = 0; i < 624; i++) rs.nextUint32();
  const got = Array.from({ length: 6 }, () => rs.nextUint32());
  assert.deepEqual(got, [4023317220, 1324972501, 3395528656, 153969776, 949987554, 1422618924]);
});

test('permutation matches np.random.RandomState(seed).permutation', () => {
  assert.deepEqual(Array.from(new NumpyRandomState(113).permutation(10)), [9, 3, 6, 1, 0, 7, 4, 8, 2, 5]);
  assert.deepEqual(
    Array.from(new NumpyRandomState(0).permutation(20)),
    [18, 1, 19, 8, 10, 17, 6, 13, 4, 2, 5, 14, 9, 7, 16, 11, 3, 0, 15, 12],
  );
  assert.deepEqual(Array.from(new NumpyRandomState(0xffffffff).permutation(8)), [1, 7, 6, 0, 5, 4, 2, 3]);
});

test('shuffle of 11,228 items with seed 113 matches NumPy (the Reuters split)', () => {
  const a = Array.from({ length: 11228 }, (_, i) => i);
  new NumpyRandomState(113).shuffle(a);
  assert.deepEqual(a.slice(0, 10), [1341, 4427, 5095, 2044, 3024, 1792, 1931, 2375, 2080, 9868]);
  assert.deepEqual(a.slice(-5), [791, 2710, 11010, 6306, 4828]);
  let checksum = 0;
  for (let i = 0; i < a.length; i++) checksum = (checksum + i * a[i]!) % 1000000007;
  assert.equal(checksum, 672643651);
});

test('one stream shuffles twice like Keras imdb (train, then test)', () => {
  const rs = new NumpyRandomState(113);
  const train = rs.permutation(25000);
  const testIdx = rs.permutation(25000);
  assert.deepEqual(Array.from(train.subarray(0, 10)), [7798, 13226, 18078, 793, 17499, 23003, 574, 19638, 5181, 23045]);
  assert.deepEqual(
    Array.from(testIdx.subarray(0, 10)),
    [22748, 4083, 8015, 13688, 5310, 4466, 736, 22654, 23614, 10255],
  );
});

test('rejects seeds NumPy rejects', () => {
  assert.throws(() => new NumpyRandomState(-1), /seed/);
  assert.throws(() => new NumpyRandomState(2 ** 32), /seed/);
  assert.throws(() => new NumpyRandomState(1.5), /seed/);
});
