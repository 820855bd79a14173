"""Exports the lecture MLP and CNN to ONNX with deepscript's weights (bench only).

Reads the .npy files written by `node dist/bench/infer-setup.js` (kernels in Keras's layout) into
the same PyTorch modules as bench/pytorch/{mlp,cnn}.py, plus the final softmax, checks PyTorch's
output on the saved sample batch against deepscript's, and writes <dir>/<model>/model.onnx with a
dynamic batch axis.

Layouts: a Dense kernel is [in, out] (PyTorch's Linear weight is its transpose); a Conv2D kernel
is [kh, kw, c, f] (PyTorch: [f, c, kh, kw]). The CNN's ONNX input is NCHW [N, 1, 28, 28], which
has the same bytes as deepscript's NHWC [N, 28, 28, 1] since C = 1; deepscript flattens its
pooled [12, 12, 64] maps in (h, w, c) order and PyTorch in (c, h, w) order, so the first Dense
kernel's rows are permuted to match.

  /usr/bin/python3 bench/infer/export_onnx.py --dir bench/infer/models
"""

import argparse
import os

import numpy as np
import torch
from torch import nn


def load(d, name):
    return torch.from_numpy(np.load(os.path.join(d, name)))


def mlp(d):
    m = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10), nn.Softmax(dim=1))
    with torch.no_grad():
        m[0].weight.copy_(load(d, "w0.npy").T)
        m[0].bias.copy_(load(d, "w1.npy"))
        m[2].weight.copy_(load(d, "w2.npy").T)
        m[2].bias.copy_(load(d, "w3.npy"))
    return m, (1, 784)


def cnn(d):
    m = nn.Sequential(
        nn.Conv2d(1, 32, 3),
        nn.ReLU(),
        nn.Conv2d(32, 64, 3),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(9216, 128),
        nn.ReLU(),
        nn.Linear(128, 10),
        nn.Softmax(dim=1),
    )
    with torch.no_grad():
        m[0].weight.copy_(load(d, "w0.npy").permute(3, 2, 0, 1))
        m[0].bias.copy_(load(d, "w1.npy"))
        m[2].weight.copy_(load(d, "w2.npy").permute(3, 2, 0, 1))
        m[2].bias.copy_(load(d, "w3.npy"))
        # rows (h, w, c) -> (c, h, w)
        k = load(d, "w4.npy").reshape(12, 12, 64, 128).permute(2, 0, 1, 3).reshape(9216, 128)
        m[6].weight.copy_(k.T)
        m[6].bias.copy_(load(d, "w5.npy"))
        m[8].weight.copy_(load(d, "w6.npy").T)
        m[8].bias.copy_(load(d, "w7.npy"))
    return m, (1, 1, 28, 28)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    args = p.parse_args()
    for name, build in (("mlp", mlp), ("cnn", cnn)):
        d = os.path.join(args.dir, name)
        model, sample_shape = build(d)
        model.eval()
        x = load(d, "x.npy")
        y_ref = load(d, "y.npy").numpy()
        with torch.no_grad():
            y = model(x.reshape(x.shape[0], *sample_shape[1:])).numpy()
        diff = float(np.abs(y - y_ref).max())
        print(f"{name}: PyTorch vs deepscript on the sample batch: max |diff| = {diff:.3g}")
        if not diff < 1e-5:
            raise SystemExit(f"{name}: the exported weights do not reproduce deepscript's outputs")
        out = os.path.join(d, "model.onnx")
        torch.onnx.export(
            model,
            torch.zeros(sample_shape),
            out,
            input_names=["x"],
            output_names=["y"],
            dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}},
            opset_version=13,
        )
        print(f"wrote {out}")


if __name__ == "__main__":
    main()
