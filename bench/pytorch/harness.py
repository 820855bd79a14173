"""Shared harness for the PyTorch side of the benchmarks (bench only; deepscript never runs Python).

Mirrors bench/run.ts: thread limits set before torch loads, one warm-up batch, each epoch's order
from np.random.RandomState(seed).permutation (the same stream run.ts draws from, so both frameworks
see the same batches), the clock covers the training pass only, validation runs after it; one JSON
line per epoch. The data modules (mnist_bench.py, sequence_bench.py) say what the data is; the
workload files (mlp.py, cnn.py, reuters.py, imdb.py) say what the model is.
"""

import argparse
import json
import os
import sys
import time


def parse_args(add_arguments=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--max-batches", type=int, default=0, help="cap on batches per epoch (0: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--omp-passive",
        action="store_true",
        help="OMP_WAIT_POLICY=PASSIVE: OpenMP threads sleep instead of spinning (helps on a shared machine)",
    )
    parser.add_argument(
        "--policy",
        choices=["float32", "mixed_bfloat16"],
        default="float32",
        help="mixed_bfloat16: forward passes and losses under torch.autocast('cpu', dtype=torch.bfloat16), "
        "float32 weights and optimizer (Keras's mixed_bfloat16 counterpart)",
    )
    if add_arguments:
        add_arguments(parser)
    return parser.parse_args()


def import_torch(args):
    """Sets the thread limits, then imports torch. The BLAS / OpenMP pools read the environment
    when torch loads, so nothing may import torch before this."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    if args.omp_passive:
        os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    import torch

    torch.set_num_threads(args.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass  # already set in this process
    torch.manual_seed(args.seed)
    return torch


def keras_init(model, nn):
    """Keras's default initial weights, so both frameworks start from the same kind of weights:
    Glorot-uniform kernels, zero biases, Embedding uniform(-0.05, 0.05), LSTM recurrent kernel
    orthogonal with the forget gate's bias at 1. PyTorch's LSTM has two bias vectors (b_ih, b_hh)
    where Keras has one: b_hh starts at zero and stays a trainable extra (4 x units parameters)."""
    for m in model.modules():
        if isinstance(m, (nn.Linear, nn.Conv1d, nn.Conv2d)):
            nn.init.xavier_uniform_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.uniform_(m.weight, -0.05, 0.05)
        elif isinstance(m, nn.LSTM):
            u = m.hidden_size
            for layer in range(m.num_layers):
                nn.init.xavier_uniform_(getattr(m, f"weight_ih_l{layer}"))
                nn.init.orthogonal_(getattr(m, f"weight_hh_l{layer}"))
                b_ih = getattr(m, f"bias_ih_l{layer}")
                nn.init.zeros_(b_ih)
                with_grad = b_ih.requires_grad
                b_ih.requires_grad_(False)
                b_ih[u : 2 * u] = 1.0  # gate order i, f, g, o as in Keras
                b_ih.requires_grad_(with_grad)
                nn.init.zeros_(getattr(m, f"bias_hh_l{layer}"))


def train(args, torch, workload, model, data, loss_fn, correct, batch):
    """Trains `model` on data = (x, y, x_val, y_val) and prints one JSON line per epoch.
    `correct(outputs, y)` counts right predictions in a batch of model outputs."""
    import numpy as np

    x, y, xv, yv = data
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)  # Keras epsilon
    n = x.shape[0]
    steps = (n + batch - 1) // batch
    if args.max_batches > 0:
        steps = min(steps, args.max_batches)
    shuffle = np.random.RandomState(args.seed)
    mixed = args.policy == "mixed_bfloat16"

    def autocast():
        # enabled=False makes the float32 runs take the very same code path.
        return torch.autocast("cpu", dtype=torch.bfloat16, enabled=mixed)

    def train_step(xb, yb):
        optimizer.zero_grad(set_to_none=True)
        with autocast():
            loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        return loss.item()

    model.train()
    train_step(x[:batch], y[:batch])  # warm-up, outside the clock as in bench/run.ts

    for epoch in range(1, args.epochs + 1):
        order = torch.from_numpy(shuffle.permutation(n))
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
        val_loss_sum = 0.0
        val_correct = 0
        with torch.no_grad(), autocast():
            for i in range(0, xv.shape[0], batch):
                out = model(xv[i : i + batch])
                yb = yv[i : i + batch]
                val_loss_sum += loss_fn(out, yb).float().item() * yb.shape[0]
                val_correct += int(correct(out, yb))
        print(
            json.dumps(
                {
                    "workload": workload,
                    "framework": "pytorch",
                    "threads": args.threads,
                    "policy": args.policy,
                    "epoch": epoch,
                    "samples": samples,
                    "params": sum(p.numel() for p in model.parameters()),
                    "train_seconds": round(seconds, 3),
                    "samples_per_second": round(samples / seconds),
                    "batches": steps,
                    "loss": round(loss_sum / samples, 5),
                    "val_loss": round(val_loss_sum / xv.shape[0], 5),
                    "val_acc": round(val_correct / xv.shape[0], 5),
                    "torch": torch.__version__,
                    "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "default"),
                }
            ),
            flush=True,
        )
    sys.exit(0)
