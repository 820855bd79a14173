"""PyTorch side of the lecture-CNN benchmark (bench only; deepscript never runs Python).

Conv2D(32,3x3,relu) -> Conv2D(64,3x3,relu) -> MaxPooling2D(2) -> Dropout(0.25) -> Flatten ->
Dense(128,relu) -> Dropout(0.5) -> Dense(10, softmax), Adam(lr=1e-3), categorical cross-entropy,
batch 200. PyTorch's native layout is channels-first; the layers and sizes are the lecture's.

  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/pytorch/cnn.py --threads 2 --epochs 1
"""

from mnist_bench import main


def lecture_cnn(nn):
    return nn.Sequential(
        nn.Conv2d(1, 32, 3),
        nn.ReLU(),
        nn.Conv2d(32, 64, 3),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Dropout(0.25),
        nn.Flatten(),
        nn.Linear(9216, 128),
        nn.ReLU(),
        nn.Dropout(0.5),
        nn.Linear(128, 10),
    )


main("cnn", (1, 28, 28), lecture_cnn)
