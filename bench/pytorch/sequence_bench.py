"""Sequence data for the PyTorch side of the RNN benchmarks (reuters.py, imdb.py): the padded int32
word ids and class ids that deepscript's loaders produced, exported as .npy by
bench/sequence-export.ts (`node dist/bench/export-sequences.js --workload W`; bench/compare.ts does
it itself). Timing, threads and JSON output live in harness.py.
"""

import json
import os
import sys
import tempfile

import harness


def load(np, workload, data_dir):
    meta_path = os.path.join(data_dir, "meta.json")
    if not os.path.exists(meta_path):
        sys.exit(
            f"{workload}: no exported data in {data_dir}. Run\n"
            f"  npm run build --silent && node dist/bench/export-sequences.js --workload {workload} --out {data_dir}"
        )
    with open(meta_path) as f:
        meta = json.load(f)
    if meta["workload"] != workload:
        sys.exit(f"{workload}: {data_dir} holds data for '{meta['workload']}'.")
    arrays = [np.load(os.path.join(data_dir, f"{name}.npy")) for name in ("x_train", "y_train", "x_test", "y_test")]
    x, y, xv, yv = arrays
    if x.shape != (meta["train"], meta["maxlen"]) or xv.shape != (meta["test"], meta["maxlen"]):
        sys.exit(f"{workload}: array shapes {x.shape}, {xv.shape} do not match {meta_path}.")
    if max(x.max(), xv.max()) >= meta["numWords"] or min(x.min(), xv.min()) < 0:
        sys.exit(f"{workload}: word ids outside [0, {meta['numWords']}).")
    return meta, (x, y, xv, yv)


def main(workload, build_model, binary, batch=100):
    """binary: one sigmoid output with binary cross-entropy (computed from the logit, as
    BCEWithLogitsLoss); otherwise softmax + categorical cross-entropy (as CrossEntropyLoss on logits
    and class ids). Batch 100 as in the lecture unless `batch` says otherwise."""

    def add_arguments(p):
        p.add_argument(
            "--data",
            default=os.path.join(tempfile.gettempdir(), "deepscript-bench", workload),
            help="folder written by bench/export-sequences.ts",
        )

    args = harness.parse_args(add_arguments)
    torch = harness.import_torch(args)
    import numpy as np
    from torch import nn

    meta, (x, y, xv, yv) = load(np, workload, args.data)
    # nn.Embedding takes int64 ids; converting here keeps it out of the timed loop.
    x, xv = torch.from_numpy(x.astype(np.int64)), torch.from_numpy(xv.astype(np.int64))
    if binary:
        y, yv = torch.from_numpy(y.astype(np.float32)[:, None]), torch.from_numpy(yv.astype(np.float32)[:, None])
        loss_fn = nn.BCEWithLogitsLoss()

        def correct(out, yb):
            return ((out > 0).float() == yb).sum().item()

    else:
        y, yv = torch.from_numpy(y.astype(np.int64)), torch.from_numpy(yv.astype(np.int64))
        loss_fn = nn.CrossEntropyLoss()

        def correct(out, yb):
            return (out.argmax(1) == yb).sum().item()

    model = build_model(nn, meta)
    harness.keras_init(model, nn)
    harness.train(args, torch, workload, model, (x, y, xv, yv), loss_fn, correct, batch=batch)
