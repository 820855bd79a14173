"""PyTorch side of the `resnet` benchmark (bench only; deepscript never runs Python).

The residual CNN of examples/resnet-model.ts: Conv2d(1->32, 3x3, same, no bias) -> BatchNorm ->
ReLU -> MaxPool(2); a residual block (conv-BN-ReLU-conv-BN + identity, ReLU) at 14x14;
MaxPool(2); two residual blocks at 7x7; global average pooling; Linear(32, 10); softmax +
categorical cross-entropy (as cross-entropy on logits), Adam(lr=1e-3), batch 128.
BatchNorm as Keras's defaults: momentum 0.99 (PyTorch's momentum=0.01), epsilon 1e-3.
PyTorch counts only gamma and beta as parameters; Keras's count adds the moving mean and variance.

  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/pytorch/resnet.py --threads 2 --epochs 1
"""

from mnist_bench import main

FILTERS = 32


def mnist_resnet(nn):
    def conv_bn(cin):
        return [nn.Conv2d(cin, FILTERS, 3, padding=1, bias=False), nn.BatchNorm2d(FILTERS, eps=1e-3, momentum=0.01)]

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.f = nn.Sequential(*conv_bn(FILTERS), nn.ReLU(), *conv_bn(FILTERS))

        def forward(self, x):
            return nn.functional.relu(x + self.f(x))

    return nn.Sequential(
        *conv_bn(1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        Block(),
        nn.MaxPool2d(2),
        Block(),
        Block(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(FILTERS, 10),
    )


main("resnet", (1, 28, 28), mnist_resnet, batch=128)
