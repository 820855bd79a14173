"""PyTorch side of the lecture IMDB benchmark (bench only; deepscript never runs Python).

Embedding(5000, 100) -> Dropout(0.5) -> Conv1D(64, 5, relu) -> MaxPooling1D(4) -> LSTM(55) ->
Dense(1) -> sigmoid, Adam(lr=1e-3, eps=1e-7), binary cross-entropy, batch 100, on the padded
sequences deepscript exported (bench/export-sequences.ts). PyTorch's Conv1d is channels-first, so
the embeddings are transposed to [batch, 100, time] and back to [batch, time, 64] for the LSTM.
nn.LSTM has two bias vectors where Keras has one: 220 parameters more.

  node dist/bench/export-sequences.js --workload imdb
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/pytorch/imdb.py --threads 2 --epochs 1
"""

from sequence_bench import main


def imdb_cnn_lstm(nn, meta):
    class ImdbCnnLstm(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(meta["numWords"], 100)
            self.dropout = nn.Dropout(0.5)
            self.conv = nn.Conv1d(100, 64, 5)
            self.pool = nn.MaxPool1d(4)
            self.lstm = nn.LSTM(64, 55, batch_first=True)
            self.dense = nn.Linear(55, 1)

        def forward(self, ids):
            e = self.dropout(self.embedding(ids)).transpose(1, 2)
            f = self.pool(nn.functional.relu(self.conv(e))).transpose(1, 2)
            _, (h, _) = self.lstm(f)
            return self.dense(h[-1])  # the logit; the sigmoid is inside the loss

    return ImdbCnnLstm()


main("imdb", imdb_cnn_lstm, binary=True)
