#!/usr/bin/env python3
"""Independent NumPy forward pass of a Keras model file (dev-time reference, never run by npm test).

    /usr/bin/python3 scripts/reference/keras_forward.py MODEL [--seed N] [--batch B] [--json OUT]

MODEL is a Keras 3 `.keras` zip, a Keras 2 / tf.keras `.h5`, or a Keras 3 legacy `.h5`; the
format is told from the file's first bytes, not its name. The script reads the model config and
the weights with h5py / zipfile and evaluates the layer graph with NumPy alone: no Keras, no
TensorFlow, no deepscript. Inputs are drawn from numpy.random.default_rng(seed), uniform in
[0, 1), shaped from each InputLayer's batch shape with batch size B. With --json the inputs and
outputs are written as {"inputs": {name: {shape, data}}, "outputs": {name: {shape, data}}}.

Needs Debian's python3-numpy and python3-h5py (apt-get install python3-numpy python3-h5py).
The file layouts it reads are described in docs/keras-functional-formats.md; a layer or option it
does not implement is refused with an error naming it, never skipped.
"""

import argparse
import io
import json
import re
import sys
import zipfile

import h5py
import numpy as np


class Unsupported(Exception):
    pass


def snake_case(name):
    """Keras 3's naming.to_snake_case, the key of a layer's group in model.weights.h5."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


# ---------------------------------------------------------------- file reading


def open_model_file(path):
    with open(path, "rb") as f:
        head = f.read(8)
    if head[:4] == b"PK\x03\x04":
        z = zipfile.ZipFile(path)
        config = json.loads(z.read("config.json"))
        weights = h5py.File(io.BytesIO(z.read("model.weights.h5")), "r")
        meta = json.loads(z.read("metadata.json")) if "metadata.json" in z.namelist() else {}
        return {"format": "keras3-zip", "config": config, "h5": weights, "version": meta.get("keras_version")}
    if head == b"\x89HDF\r\n\x1a\n":
        f = h5py.File(path, "r")
        raw = f.attrs["model_config"]
        raw = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        version = f.attrs.get("keras_version")
        version = version.decode() if isinstance(version, bytes) else version
        group = f["model_weights"] if "model_weights" in f else f
        return {"format": "h5", "config": json.loads(raw), "h5": group, "version": version}
    raise Unsupported(f"{path}: neither a zip (.keras) nor an HDF5 file (first bytes {head!r})")


def h5_names(group, attr):
    """Keras 2 splits long name lists over attr, attr0, attr1, ..."""
    if attr in group.attrs:
        vals = list(group.attrs[attr])
    else:
        vals, i = [], 0
        while f"{attr}{i}" in group.attrs:
            vals.extend(group.attrs[f"{attr}{i}"])
            i += 1
    return [v.decode("utf8") if isinstance(v, bytes) else str(v) for v in vals]


# ---------------------------------------------------------------- layer math


def activation(name, x):
    if isinstance(name, dict):  # Keras 3 may serialise an activation as an object
        name = name.get("config", name.get("class_name"))
    if name in (None, "linear"):
        return x
    if name == "relu":
        return np.maximum(x, 0)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-x))
    if name == "tanh":
        return np.tanh(x)
    if name == "softmax":
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    if name == "elu":
        return np.where(x > 0, x, np.expm1(np.minimum(x, 0)))
    if name == "selu":
        a, s = 1.6732632423543772, 1.0507009873554805
        return s * np.where(x > 0, x, a * np.expm1(np.minimum(x, 0)))
    raise Unsupported(f"activation {name!r}")


def pads(size, k, stride, dilation, padding):
    if padding == "valid":
        return 0, 0, (size - (k - 1) * dilation - 1) // stride + 1
    if padding == "same":
        out = -(-size // stride)
        total = max((out - 1) * stride + (k - 1) * dilation + 1 - size, 0)
        return total // 2, total - total // 2, out
    raise Unsupported(f"padding {padding!r}")


def conv2d(x, kernel, bias, c):
    if c.get("data_format", "channels_last") not in (None, "channels_last"):
        raise Unsupported(f"Conv2D data_format {c['data_format']!r}")
    if c.get("groups", 1) != 1:
        raise Unsupported("Conv2D groups != 1")
    sh, sw = c.get("strides", (1, 1))
    dh, dw = c.get("dilation_rate", (1, 1))
    kh, kw = kernel.shape[:2]
    n, h, w, _ = x.shape
    t, b, oh = pads(h, kh, sh, dh, c.get("padding", "valid"))
    l, r, ow = pads(w, kw, sw, dw, c.get("padding", "valid"))
    xp = np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)))
    out = np.zeros((n, oh, ow, kernel.shape[3]), dtype=np.float64)
    for i in range(kh):
        for j in range(kw):
            patch = xp[:, i * dh : i * dh + sh * (oh - 1) + 1 : sh, j * dw : j * dw + sw * (ow - 1) + 1 : sw, :]
            out += patch @ kernel[i, j].astype(np.float64)
    if bias is not None:
        out += bias
    return activation(c.get("activation"), out)


def pool2d(x, c, op):
    if c.get("data_format", "channels_last") not in (None, "channels_last"):
        raise Unsupported(f"pooling data_format {c['data_format']!r}")
    ph, pw = c.get("pool_size", (2, 2))
    strides = c.get("strides") or (ph, pw)
    sh, sw = strides
    n, h, w, ch = x.shape
    t, b, oh = pads(h, ph, sh, 1, c.get("padding", "valid"))
    l, r, ow = pads(w, pw, sw, 1, c.get("padding", "valid"))
    if op == "max":
        xp = np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)), constant_values=-np.inf)
        out = np.full((n, oh, ow, ch), -np.inf)
        for i in range(ph):
            for j in range(pw):
                out = np.maximum(out, xp[:, i : i + sh * (oh - 1) + 1 : sh, j : j + sw * (ow - 1) + 1 : sw, :])
        return out
    xp = np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)))
    ones = np.pad(np.ones((1, h, w, 1)), ((0, 0), (t, b), (l, r), (0, 0)))
    s = np.zeros((n, oh, ow, ch))
    cnt = np.zeros((1, oh, ow, 1))
    for i in range(ph):
        for j in range(pw):
            s += xp[:, i : i + sh * (oh - 1) + 1 : sh, j : j + sw * (ow - 1) + 1 : sw, :]
            cnt += ones[:, i : i + sh * (oh - 1) + 1 : sh, j : j + sw * (ow - 1) + 1 : sw, :]
    return s / cnt  # Keras/TF average pooling with 'same' divides by the cells inside the image


def lstm(x, w, c):
    """Keras LSTM, gates ordered i, f, c, o; kernel (in, 4u), recurrent_kernel (u, 4u), bias (4u)."""
    if c.get("go_backwards") or c.get("stateful") or c.get("return_state") or c.get("unroll"):
        raise Unsupported("LSTM go_backwards / stateful / return_state / unroll")
    kernel, rec, bias = w["kernel"], w["recurrent_kernel"], w.get("bias")
    u = rec.shape[0]
    n, steps, _ = x.shape
    h = np.zeros((n, u))
    cell = np.zeros((n, u))
    act, ract = c.get("activation", "tanh"), c.get("recurrent_activation", "sigmoid")
    seq = []
    for t in range(steps):
        z = x[:, t, :] @ kernel + h @ rec
        if bias is not None:
            z = z + bias
        i, f, g, o = (z[:, k * u : (k + 1) * u] for k in range(4))
        i, f, o = activation(ract, i), activation(ract, f), activation(ract, o)
        cell = f * cell + i * activation(act, g)
        h = o * activation(act, cell)
        seq.append(h)
    return np.stack(seq, axis=1) if c.get("return_sequences") else h


def merge(kind, xs, c):
    if kind == "Add":
        out = xs[0]
        for y in xs[1:]:
            out = out + y
        return out
    if kind == "Subtract":
        return xs[0] - xs[1]
    if kind == "Multiply":
        out = xs[0]
        for y in xs[1:]:
            out = out * y
        return out
    if kind == "Average":
        return sum(xs) / len(xs)
    if kind == "Maximum":
        return np.maximum.reduce(xs)
    if kind == "Minimum":
        return np.minimum.reduce(xs)
    if kind == "Concatenate":
        return np.concatenate(xs, axis=c.get("axis", -1))
    raise Unsupported(kind)


MERGES = {"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate"}
# Keras 3 writes x + y, x - y, x * y in a Functional model as keras.src.ops.numpy operations
NUMPY_OPS = {"Add", "Subtract", "Multiply"}


def is_numpy_op(layer):
    return layer.get("module") == "keras.src.ops.numpy"


def layer_norm(x, w, c):
    """Keras LayerNormalization over the last axis: (x - mean) * rsqrt(var + epsilon) * gamma + beta."""
    axis = c.get("axis", -1)
    axis = axis if isinstance(axis, list) else [axis]
    if [a if a < 0 else a - x.ndim for a in axis] != [-1] or c.get("rms_scaling"):
        raise Unsupported(f"LayerNormalization axis {axis} / rms_scaling")
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    y = (x - mean) / np.sqrt(var + c.get("epsilon", 1e-3))
    if "gamma" in w:
        y = y * w["gamma"]
    if "beta" in w:
        y = y + w["beta"]
    return y


def multi_head_attention(args, w, c):
    """Keras MultiHeadAttention (no masks, attention over the one step axis of rank-3 inputs):
    q = query . Wq + bq [B, T, H, K], k, v likewise; scores[b, h, t, s] = sum_d q[b,t,h,d] / sqrt(K) * k[b,s,h,d];
    softmax over s; context[b, t, h, d] = sum_s p[b,h,t,s] v[b,s,h,d]; out = sum_{h,d} context . Wo + bo."""
    query, value = args[0], args[1]
    key = args[2] if len(args) > 2 else value
    if query.ndim != 3 or c.get("attention_axes") not in (None, [1], [-2], 1, -2):
        raise Unsupported(f"MultiHeadAttention on rank {query.ndim} / attention_axes {c.get('attention_axes')}")
    if c.get("output_shape") is not None or c.get("use_gate"):
        raise Unsupported("MultiHeadAttention output_shape / use_gate")

    def proj(x, name):
        y = np.einsum("btd,dhk->bthk", x, w[f"{name}/kernel"].astype(np.float64))
        return y + w[f"{name}/bias"] if f"{name}/bias" in w else y

    q, k, v = proj(query, "query"), proj(key, "key"), proj(value, "value")
    scores = np.einsum("bthk,bshk->bhts", q / np.sqrt(c["key_dim"]), k)
    scores = scores - scores.max(axis=-1, keepdims=True)
    p = np.exp(scores)
    p = p / p.sum(axis=-1, keepdims=True)
    ctx = np.einsum("bhts,bshk->bthk", p, v)
    out = np.einsum("bthk,hko->bto", ctx, w["attention_output/kernel"].astype(np.float64))
    return out + w["attention_output/bias"] if "attention_output/bias" in w else out


# weights each class expects, by the last component of their Keras names
WEIGHT_NAMES = {
    "Dense": ["kernel", "bias"],
    "Conv2D": ["kernel", "bias"],
    "BatchNormalization": ["gamma", "beta", "moving_mean", "moving_variance"],
    "LSTM": ["kernel", "recurrent_kernel", "bias"],
    "Embedding": ["embeddings"],
}
NO_WEIGHTS = {
    "InputLayer",
    "Dropout",
    "Activation",
    "ReLU",
    "Flatten",
    "GlobalAveragePooling2D",
    "GlobalMaxPooling2D",
    "MaxPooling2D",
    "AveragePooling2D",
    "Reshape",
    "GlobalAveragePooling1D",
} | MERGES


def expected_weights(class_name, c):
    if class_name == "BatchNormalization":
        names = (["gamma"] if c.get("scale", True) else []) + (["beta"] if c.get("center", True) else [])
        return names + ["moving_mean", "moving_variance"]
    if class_name == "LayerNormalization":
        return (["gamma"] if c.get("scale", True) else []) + (["beta"] if c.get("center", True) else [])
    if class_name == "MultiHeadAttention":
        parts = ["query", "key", "value", "attention_output"]
        return [f"{p}/{v}" for p in parts for v in (["kernel", "bias"] if c.get("use_bias", True) else ["kernel"])]
    if class_name in ("Dense", "Conv2D", "LSTM"):
        names = WEIGHT_NAMES[class_name]
        return names if c.get("use_bias", True) else names[:-1]
    if class_name in WEIGHT_NAMES:
        return WEIGHT_NAMES[class_name]
    if class_name in NO_WEIGHTS:
        return []
    raise Unsupported(f"layer class {class_name!r}")


def apply_layer(layer, inputs, w):
    k, c = layer["class_name"], layer["config"]
    x = inputs
    if is_numpy_op(layer):
        if k not in NUMPY_OPS or len(inputs) != 2:
            raise Unsupported(f"keras.ops.numpy {k} on {len(inputs)} arguments")
        return merge(k, list(inputs), c)
    if k == "MultiHeadAttention":
        return multi_head_attention(inputs, w, c)
    if k in MERGES:
        return merge(k, list(inputs), c)
    if isinstance(x, list):
        if len(x) != 1:
            raise Unsupported(f"{k} '{c.get('name')}' called on {len(x)} tensors")
        x = x[0]
    if k in ("Dropout", "InputLayer"):
        return x
    if k == "Dense":
        y = x @ w["kernel"].astype(np.float64)
        if "bias" in w:
            y = y + w["bias"]
        return activation(c.get("activation"), y)
    if k == "Activation":
        return activation(c["activation"], x)
    if k == "ReLU":
        if c.get("max_value") is not None or c.get("negative_slope", 0) or c.get("threshold", 0):
            raise Unsupported("ReLU max_value / negative_slope / threshold")
        return np.maximum(x, 0)
    if k == "Conv2D":
        return conv2d(x, w["kernel"], w.get("bias"), c)
    if k == "BatchNormalization":
        axis = c.get("axis", -1)
        axis = axis[0] if isinstance(axis, list) else axis
        if axis not in (-1, x.ndim - 1):
            raise Unsupported(f"BatchNormalization axis {axis}")
        gamma = w.get("gamma", 1.0)
        beta = w.get("beta", 0.0)
        return (x - w["moving_mean"]) / np.sqrt(w["moving_variance"] + c.get("epsilon", 1e-3)) * gamma + beta
    if k == "Flatten":
        return x.reshape(x.shape[0], -1)
    if k == "Reshape":
        return x.reshape((x.shape[0],) + tuple(c["target_shape"]))
    if k == "LayerNormalization":
        return layer_norm(x, w, c)
    if k == "GlobalAveragePooling1D":
        return x.mean(axis=1, keepdims=bool(c.get("keepdims")))
    if k == "GlobalAveragePooling2D":
        return x.mean(axis=(1, 2), keepdims=bool(c.get("keepdims")))
    if k == "GlobalMaxPooling2D":
        return x.max(axis=(1, 2), keepdims=bool(c.get("keepdims")))
    if k == "MaxPooling2D":
        return pool2d(x, c, "max")
    if k == "AveragePooling2D":
        return pool2d(x, c, "avg")
    if k == "LSTM":
        return lstm(x, w, c)
    if k == "Embedding":
        return w["embeddings"][x.astype(np.int64)]
    raise Unsupported(f"layer class {k!r}")


# ---------------------------------------------------------------- graph


MODEL_CLASSES = {"Functional", "Model", "Sequential"}


def is_tensor_ref(v):
    return isinstance(v, dict) and v.get("class_name") == "__keras_tensor__"


class Graph:
    """One Functional or Sequential config with its weights, evaluated with NumPy."""

    def __init__(self, spec, fmt, keras3):
        self.spec, self.fmt, self.keras3 = spec, fmt, keras3
        self.kind = spec["class_name"]
        self.config = spec["config"]
        self.name = self.config.get("name")
        if self.kind == "Sequential":
            self.layers = self.config["layers"]
        elif self.kind in ("Functional", "Model"):
            self.layers = self.config["layers"]
        else:
            raise Unsupported(f"model class {self.kind!r}")
        self.weights = {}  # layer name -> {short weight name: array}
        self.children = {}  # layer name -> Graph for nested models

    def layer_name(self, layer):
        return layer.get("name") or layer["config"]["name"]

    # -- weights
    def weight_layers(self):
        """The layers in the order Keras 3 saves them under layers/ (Sequential drops its InputLayer)."""
        if self.kind == "Sequential":
            return [l for l in self.layers if l["class_name"] != "InputLayer"]
        return [l for l in self.layers if not is_numpy_op(l)]  # operations own no weights group

    def load_keras3_weights(self, group):
        used = {}
        for layer in self.weight_layers():
            base = snake_case(layer["class_name"])
            n = used.get(base)
            used[base] = 0 if n is None else n + 1
            key = base if n is None else f"{base}_{n + 1}"
            name = self.layer_name(layer)
            sub = group["layers"][key] if "layers" in group and key in group["layers"] else None
            if layer["class_name"] in MODEL_CLASSES:
                child = Graph(layer, self.fmt, self.keras3)
                if sub is None:
                    raise Unsupported(f"no weights group layers/{key} for nested model '{name}'")
                child.load_keras3_weights(sub)
                self.children[name] = child
                continue
            want = expected_weights(layer["class_name"], layer["config"])
            if not want:
                continue
            if layer["class_name"] == "MultiHeadAttention":
                # Keras 3 keeps each projection on an EinsumDense sublayer: layers/<mha>/query_dense/vars
                vals = []
                for part in ("query_dense", "key_dense", "value_dense", "output_dense"):
                    g = sub[part] if part in sub else sub[f"_{part}"]
                    vals += [np.asarray(g["vars"][str(i)]) for i in range(len(g["vars"]))]
                if len(vals) != len(want):
                    raise Unsupported(f"layer '{name}' ({key}): {len(vals)} variables in the file, expected {want}")
                self.weights[name] = dict(zip(want, vals))
                continue
            # LSTM keeps its variables on its cell: layers/lstm/cell/vars
            vars_group = sub["cell"]["vars"] if layer["class_name"] == "LSTM" else sub["vars"]
            vals = [np.asarray(vars_group[str(i)]) for i in range(len(vars_group))]
            if len(vals) != len(want):
                raise Unsupported(f"layer '{name}' ({key}): {len(vals)} variables in the file, expected {want}")
            self.weights[name] = dict(zip(want, vals))

    def load_h5_weights(self, group, names_source=None):
        """Keras 2 / Keras 3 legacy h5: one group per layer name, datasets at its weight_names."""
        for layer in self.layers:
            name = self.layer_name(layer)
            if layer["class_name"] in MODEL_CLASSES:
                child = Graph(layer, self.fmt, self.keras3)
                child.load_nested_h5_weights(group[name])
                self.children[name] = child
                continue
            want = expected_weights(layer["class_name"], layer["config"])
            if not want:
                continue
            g = group[name]
            wn = h5_names(g, "weight_names")
            self.weights[name] = self.pick(name, want, [(n, np.asarray(g[n])) for n in wn])

    def load_nested_h5_weights(self, g):
        """A nested model is one group holding all its layers' weights, named <sublayer>/<weight>."""
        pool = [(n, np.asarray(g[n])) for n in h5_names(g, "weight_names")]
        for layer in self.layers:
            name = self.layer_name(layer)
            if layer["class_name"] in MODEL_CLASSES:
                raise Unsupported(f"model nested two deep ('{name}') in an h5 file")
            want = expected_weights(layer["class_name"], layer["config"])
            if not want:
                continue
            mine = [(n, v) for n, v in pool if name in n.split("/")[:-1]]
            self.weights[name] = self.pick(name, want, mine)

    @staticmethod
    def pick(layer_name, want, named):
        by_short = {}
        for n, v in named:
            short = n.split("/")[-1].split(":")[0]
            by_short[short] = v
        missing = [w for w in want if w not in by_short]
        if missing:
            raise Unsupported(f"layer '{layer_name}': weights {missing} not in the file (has {[n for n, _ in named]})")
        return {w: by_short[w] for w in want}

    # -- evaluation
    def input_layer_names(self):
        if self.kind == "Sequential":
            return [self.layer_name(self.layers[0])]
        return [ref[0] for ref in flatten_refs(self.config["input_layers"])]

    def input_batch_shapes(self):
        shapes = {}
        if self.kind == "Sequential" and self.layers[0]["class_name"] != "InputLayer":
            # Keras 2 Sequential configs put the input shape on the first layer
            first = self.layers[0]
            return {self.layer_name(first): first["config"]["batch_input_shape"]}
        for layer in self.layers:
            if layer["class_name"] == "InputLayer":
                c = layer["config"]
                shapes[self.layer_name(layer)] = c.get("batch_shape") or c.get("batch_input_shape")
        return {n: shapes[n] for n in self.input_layer_names()}

    def run(self, feeds, taps=None):
        """feeds: list of arrays in input order. Returns the list of outputs in output order; taps, if a
        dict, gets the first output of each layer it names (at that layer's first call)."""
        if self.kind == "Sequential":
            x = feeds[0]
            start = 1 if self.layers[0]["class_name"] == "InputLayer" else 0
            for layer in self.layers[start:]:
                x = self.call(layer, x, None)
            return [x]
        outs = {}  # (layer name, node index as the file counts it) -> list of output arrays
        for name, x in zip(self.input_layer_names(), feeds):
            outs[(name, 0)] = [x]
        pending = {self.layer_name(l): list(l.get("inbound_nodes", [])) for l in self.layers}
        counts = {self.layer_name(l): self.first_node_index(l) for l in self.layers}
        by_name = {self.layer_name(l): l for l in self.layers}
        progress = True
        while progress and any(pending.values()):
            progress = False
            for name, nodes in pending.items():
                while nodes:
                    args = self.resolve(nodes[0], outs, by_name[name])
                    if args is None:
                        break
                    inputs, kwargs = args
                    y = self.call(by_name[name], inputs, kwargs)
                    outs[(name, counts[name])] = y if isinstance(y, list) else [y]
                    counts[name] += 1
                    nodes.pop(0)
                    progress = True
        for tap in taps or {}:
            if (tap, 0) not in outs:
                raise Unsupported(f"no layer '{tap}' to tap in '{self.name}'")
            taps[tap] = outs[(tap, 0)][0]
        if any(pending.values()):
            raise Unsupported(f"graph of '{self.name}' has nodes whose inputs never appear: {[n for n, v in pending.items() if v]}")
        result = []
        for ref in flatten_refs(self.config["output_layers"]):
            name, node, tensor = ref
            node = self.io_node_index(by_name[name], node)
            result.append(outs[(name, node)][tensor])
        return result

    def first_node_index(self, layer):
        """Index the file gives a layer's first call inside this graph.

        Keras 2 (tf.keras engine/functional.py, _should_skip_first_node): a nested Functional, or a
        Sequential whose first layer is an InputLayer, owns a node from its own construction that
        the outer config does not list, so its first call in the outer graph is node 1. Keras 3's
        inbound_nodes args count from 0 for every layer (models/functional.py serialize_node).
        """
        if self.keras3 or layer["class_name"] not in MODEL_CLASSES:
            return 0
        if layer["class_name"] == "Sequential":
            inner = layer["config"]["layers"]
            return 1 if inner and inner[0]["class_name"] == "InputLayer" else 0
        return 1

    def io_node_index(self, layer, node):
        """Keras 3 writes input_layers / output_layers naming a nested Functional one higher
        (models/functional.py get_config: kept_nodes = 1 for Functional; functional_from_config
        get_tensor subtracts 1 again)."""
        if self.keras3 and layer["class_name"] in ("Functional", "Model"):
            return node - 1
        return node

    def resolve(self, node, outs, layer):
        """Turn one serialised call into (inputs, kwargs), or None if an input is not computed yet."""
        if isinstance(node, dict):  # Keras 3: {"args": [...], "kwargs": {...}}
            missing = []

            def sub(v):
                if is_tensor_ref(v):
                    name, ni, ti = v["config"]["keras_history"]
                    key = (name, ni)
                    if key not in outs:
                        missing.append(key)
                        return None
                    return outs[key][ti]
                if isinstance(v, list):
                    return [sub(e) for e in v]
                if isinstance(v, dict):
                    return {k: sub(e) for k, e in v.items()}
                return v

            args = sub(node.get("args", []))
            kwargs = sub(node.get("kwargs", {}))
            if missing:
                return None
            if (is_numpy_op(layer) or layer["class_name"] == "MultiHeadAttention"):
                return args, kwargs  # called as op(x1, x2) / mha(query, value, key)
            if len(args) != 1:
                raise Unsupported(f"a call with {len(args)} positional arguments")
            return args[0], kwargs
        # Keras 2: [[name, node, tensor, kwargs], ...] for each tensor of the first argument
        inputs, kwargs = [], {}
        for entry in node:
            name, ni, ti = entry[0], entry[1], entry[2]
            if name == "_CONSTANT_VALUE":
                raise Unsupported("constant call argument (_CONSTANT_VALUE)")
            if (name, ni) not in outs:
                return None
            inputs.append(outs[(name, ni)][ti])
            if len(entry) > 3:
                kwargs = entry[3]
        for k, v in kwargs.items():
            if isinstance(v, list) and len(v) == 3 and isinstance(v[0], str):
                raise Unsupported(f"tensor passed as keyword argument '{k}'")
        return (inputs[0] if len(inputs) == 1 else inputs), kwargs

    def call(self, layer, inputs, kwargs):
        name = self.layer_name(layer)
        for k, v in (kwargs or {}).items():
            if k == "training" or v is None:
                continue
            if k == "mask":
                raise Unsupported(f"mask passed to '{name}'")
            raise Unsupported(f"call keyword argument '{k}' of '{name}'")
        if layer["class_name"] in MODEL_CLASSES:
            feeds = inputs if isinstance(inputs, list) else [inputs]
            out = self.children[name].run(feeds)
            return out if len(out) > 1 else out[0]
        return apply_layer(layer, inputs, self.weights.get(name, {}))


def flatten_refs(v):
    """input_layers / output_layers as a single [name, node, tensor], a list of them or a dict."""
    if isinstance(v, list) and len(v) == 3 and isinstance(v[0], str) and isinstance(v[1], int):
        return [v]
    if isinstance(v, dict):
        return [r for e in v.values() for r in flatten_refs(e)]
    return [r for e in v for r in flatten_refs(e)]


def output_names(graph):
    if graph.kind == "Sequential":
        return [graph.layer_name(graph.layers[-1])]
    return [ref[0] for ref in flatten_refs(graph.config["output_layers"])]


def load(path):
    f = open_model_file(path)
    spec = f["config"]
    keras3 = f["format"] == "keras3-zip" or any(
        isinstance(node, dict) for l in spec["config"].get("layers", []) for node in l.get("inbound_nodes", [])
    )
    g = Graph(spec, f["format"], keras3)
    if f["format"] == "keras3-zip":
        g.load_keras3_weights(f["h5"])
    else:
        g.load_h5_weights(f["h5"])
    return g, f


def read_idx(path):
    with open(path, "rb") as fh:
        data = fh.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def mnist_accuracy(g, directory, limit, label, scale):
    images = read_idx(f"{directory}/t10k-images-idx3-ubyte")[:limit]
    labels = read_idx(f"{directory}/t10k-labels-idx1-ubyte")[:limit]
    (shape,) = g.input_batch_shapes().values()
    correct = 0
    for start in range(0, len(images), 100):
        x = images[start : start + 100].astype(np.float32) / scale
        x = x.reshape([len(x)] + [int(d) for d in shape[1:]]).astype(np.float64)
        (y,) = g.run([x])
        correct += int((y.argmax(axis=-1) == labels[start : start + 100]).sum())
    print(f"{label}: MNIST test accuracy {correct}/{len(images)} = {correct / len(images):.4f} (pixels / {scale:g})")


def self_check():
    """Compare this script's Conv2D, pooling and LSTM with PyTorch's (Debian python3-torch) on random data."""
    import torch
    import torch.nn.functional as F

    rng = np.random.default_rng(1)
    worst = 0.0
    for padding, stride, dil, k in [("same", 1, 1, 3), ("valid", 2, 1, 3), ("same", 2, 1, 4), ("valid", 1, 2, 3), ("same", 1, 1, 5)]:
        x = rng.standard_normal((2, 9, 8, 3))
        w = rng.standard_normal((k, k, 3, 4))
        b = rng.standard_normal(4)
        ours = conv2d(x, w, b, {"strides": [stride] * 2, "dilation_rate": [dil] * 2, "padding": padding})
        t = torch.tensor(x).permute(0, 3, 1, 2)
        if padding == "same":  # TF 'same': the extra pixel goes after, as pads() computes
            pt, pb, _ = pads(9, k, stride, dil, "same")
            pl, pr, _ = pads(8, k, stride, dil, "same")
            t = F.pad(t, (pl, pr, pt, pb))
        ref = F.conv2d(t, torch.tensor(w).permute(3, 2, 0, 1), torch.tensor(b), stride=stride, dilation=dil)
        worst = max(worst, float(np.abs(ours - ref.permute(0, 2, 3, 1).numpy()).max()))
    x = rng.standard_normal((2, 7, 6, 3))
    ref = F.max_pool2d(torch.tensor(x).permute(0, 3, 1, 2), 2, 2).permute(0, 2, 3, 1).numpy()
    worst = max(worst, float(np.abs(pool2d(x, {"pool_size": [2, 2]}, "max") - ref).max()))
    ref = F.avg_pool2d(torch.tensor(x).permute(0, 3, 1, 2), 2, 2).permute(0, 2, 3, 1).numpy()
    worst = max(worst, float(np.abs(pool2d(x, {"pool_size": [2, 2]}, "avg") - ref).max()))
    # LSTM: Keras gates i, f, c, o match PyTorch's i, f, g, o; PyTorch splits the bias in two
    u, d = 5, 3
    x = rng.standard_normal((2, 4, d))
    kern, rec, bias = rng.standard_normal((d, 4 * u)), rng.standard_normal((u, 4 * u)), rng.standard_normal(4 * u)
    m = torch.nn.LSTM(d, u, batch_first=True).double()
    with torch.no_grad():
        m.weight_ih_l0.copy_(torch.tensor(kern.T))
        m.weight_hh_l0.copy_(torch.tensor(rec.T))
        m.bias_ih_l0.copy_(torch.tensor(bias))
        m.bias_hh_l0.zero_()
        ref = m(torch.tensor(x))[0].numpy()
    ours = lstm(x, {"kernel": kern, "recurrent_kernel": rec, "bias": bias}, {"return_sequences": True})
    worst = max(worst, float(np.abs(ours - ref).max()))
    print(f"self-check against PyTorch {torch.__version__}: largest difference {worst:.3g}")
    if worst > 1e-9:
        sys.exit("self-check failed")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model", nargs="?")
    ap.add_argument("--self-check", action="store_true", help="compare the kernels with PyTorch and exit")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--json")
    ap.add_argument("--tap", action="append", default=[], help="also write this layer's output (repeatable)")
    ap.add_argument("--mnist", help="directory of the MNIST idx files: print test accuracy")
    ap.add_argument("--limit", type=int, default=10000, help="with --mnist: first N test images")
    ap.add_argument("--pixel-scale", type=float, default=255.0, help="with --mnist: divide pixels by this (1 = raw)")
    a = ap.parse_args()
    if a.self_check:
        return self_check()
    if not a.model:
        ap.error("a model file is needed")
    g, f = load(a.model)
    if a.mnist:
        return mnist_accuracy(g, a.mnist, a.limit, a.model, a.pixel_scale)
    rng = np.random.default_rng(a.seed)
    inputs = {}
    for name, shape in g.input_batch_shapes().items():
        dims = [a.batch] + [int(d) for d in shape[1:]]
        inputs[name] = rng.random(dims).astype(np.float32)
    taps = {t: None for t in a.tap}
    outs = g.run([inputs[n].astype(np.float64) for n in g.input_layer_names()], taps)
    names = output_names(g)
    print(f"{a.model}: {f['format']}, Keras {f['version']}, {g.kind} '{g.name}', inputs {list(inputs)}, outputs {names}")
    for n, y in zip(names, outs):
        print(f"  {n} {list(y.shape)} first row {np.array2string(y[0].ravel()[:8], precision=6)}")
    if a.json:
        doc = {
            "model": a.model.split("/")[-1],
            "seed": a.seed,
            "inputs": {n: {"shape": list(x.shape), "data": x.ravel().tolist()} for n, x in inputs.items()},
            "outputs": {n: {"shape": list(y.shape), "data": y.astype(np.float32).ravel().tolist()} for n, y in zip(names, outs)},
        }
        if taps:
            doc["layers"] = {n: {"shape": list(y.shape), "data": y.astype(np.float32).ravel().tolist()} for n, y in taps.items()}
        with open(a.json, "w") as out:
            json.dump(doc, out)
            out.write("\n")


if __name__ == "__main__":
    try:
        main()
    except Unsupported as e:
        sys.exit(f"keras_forward: not supported: {e}")
