"""PyTorch side of the lecture Reuters benchmark (bench only; deepscript never runs Python).

Embedding(1000, 100) -> LSTM(100, tanh) -> Dense(46, softmax), Adam(lr=1e-3, eps=1e-7),
categorical cross-entropy, batch 100, on the padded sequences deepscript exported
(bench/export-sequences.ts). nn.LSTM has two bias vectors where Keras has one: 400 parameters more.

  node dist/bench/export-sequences.js --workload reuters
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/pytorch/reuters.py --threads 2 --epochs 1
"""

from sequence_bench import main


def reuters_lstm(nn, meta):
    class ReutersLSTM(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(meta["numWords"], 100)
            self.lstm = nn.LSTM(100, 100, batch_first=True)
            self.dense = nn.Linear(100, meta["classes"])

        def forward(self, ids):
            _, (h, _) = self.lstm(self.embedding(ids))
            return self.dense(h[-1])  # logits; the softmax is inside the loss

    return ReutersLSTM()


main("reuters", reuters_lstm, binary=False)
