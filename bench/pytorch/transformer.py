"""PyTorch side of the `transformer` benchmark (bench only; deepscript never runs Python).

Keras's "Text classification with Transformer", as examples/transformer-model.ts builds it:
token embedding (20000, 32) + position embedding (200, 32) -> one post-norm Transformer block
(self-attention with nn.MultiheadAttention(32, 2 heads, batch_first), Dropout(0.1), residual,
LayerNorm(eps 1e-6); Linear(32, 32) relu -> Linear(32, 32), Dropout(0.1), residual, LayerNorm)
-> mean over time -> Dropout(0.1) -> Linear(20) relu -> Dropout(0.1) -> Linear(2), cross-entropy on
the logits (the softmax is inside the loss), Adam(lr=1e-3, eps=1e-7), batch 32, on the padded
sequences deepscript exported (bench/export-sequences.ts).

One difference in shape, named here so the comparison stays honest: Keras's example gives each of
its 2 heads key_dim = 32 (projections 32 -> 2 x 32), while nn.MultiheadAttention splits the
embedding across heads (32 -> 2 x 16). PyTorch's attention therefore does about half the
projection and score work of deepscript's; the JSON's `params` field shows the counts.

  node dist/bench/export-sequences.js --workload transformer
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/pytorch/transformer.py --threads 2 --epochs 1
"""

from sequence_bench import main

EMBED, HEADS, FF = 32, 2, 32


def transformer_classifier(nn, meta):
    import torch

    class Transformer(nn.Module):
        def __init__(self):
            super().__init__()
            self.token = nn.Embedding(meta["numWords"], EMBED)
            self.position = nn.Embedding(meta["maxlen"], EMBED)
            self.att = nn.MultiheadAttention(EMBED, HEADS, batch_first=True)
            self.drop1 = nn.Dropout(0.1)
            self.norm1 = nn.LayerNorm(EMBED, eps=1e-6)
            self.ff1 = nn.Linear(EMBED, FF)
            self.ff2 = nn.Linear(FF, EMBED)
            self.drop2 = nn.Dropout(0.1)
            self.norm2 = nn.LayerNorm(EMBED, eps=1e-6)
            self.drop3 = nn.Dropout(0.1)
            self.dense = nn.Linear(EMBED, 20)
            self.drop4 = nn.Dropout(0.1)
            self.out = nn.Linear(20, 2)
            self.register_buffer("positions", torch.arange(meta["maxlen"]), persistent=False)

        def forward(self, ids):
            x = self.token(ids) + self.position(self.positions)
            a, _ = self.att(x, x, x, need_weights=False)
            x = self.norm1(x + self.drop1(a))
            f = self.ff2(nn.functional.relu(self.ff1(x)))
            x = self.norm2(x + self.drop2(f))
            h = self.drop3(x.mean(dim=1))
            return self.out(self.drop4(nn.functional.relu(self.dense(h))))

    return Transformer()


main("transformer", transformer_classifier, binary=False, batch=32)
