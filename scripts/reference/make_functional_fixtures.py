#!/usr/bin/env python3
"""Write the Functional-model fixtures of test/fixtures/keras/functional/ (dev-time, never run by npm test).

    /usr/bin/python3 scripts/reference/make_functional_fixtures.py [OUT_DIR]

These files are NOT written by Keras, and they are no substitute for the Keras-written files that
issue #12 asks for (see docs/keras-functional-formats.md §4: those can't be committed here). This
script writes, with h5py and zipfile, the byte layouts that Keras's source and the real files in §4
show, for graphs that real files do not cover together: residual Add, several inputs and outputs,
dict inputs, shared layers, and nested Functional and Sequential models. The weights come from a
fixed NumPy seed. Every file records in its metadata that this script wrote it.

After writing, run scripts/reference/keras_forward.py on each file (the same reader that runs the
real files) for the expected outputs:

    for f in test/fixtures/keras/functional/*.keras test/fixtures/keras/functional/*.h5; do
      /usr/bin/python3 scripts/reference/keras_forward.py "$f" --seed 7 --batch 3 --json "${f%.*}.expected.json"
    done
    npx prettier --write test/fixtures/keras/functional/*.json

The files are byte-for-byte reproducible (fixed seed, fixed zip dates).
"""

import io
import json
import os
import sys
import zipfile

import h5py
import numpy as np

WRITER = "deepscript scripts/reference/make_functional_fixtures.py (not Keras)"
rng = np.random.default_rng(20261202)


def rand(*shape, scale=0.5):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


# ---------------------------------------------------------------- Keras 3 config pieces


def policy3():
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}


def init3(name, config=None):
    return {"module": "keras.initializers", "class_name": name, "config": config or {}, "registered_name": None}


def tensor3(layer, node, shape, index=0):
    return {
        "class_name": "__keras_tensor__",
        "config": {"shape": shape, "dtype": "float32", "keras_history": [layer, node, index]},
    }


def entry3(class_name, config, nodes, build_shape=None, module="keras.layers"):
    e = {"module": module, "class_name": class_name, "config": config, "registered_name": None}
    if build_shape is not None:
        e["build_config"] = {"input_shape": build_shape}
    e["name"] = config["name"]
    e["inbound_nodes"] = nodes
    return e


def input3(name, shape):
    cfg = {"batch_shape": [None] + shape, "dtype": "float32", "sparse": False, "ragged": False, "name": name}
    return entry3("InputLayer", cfg, [])


def dense3(name, units, activation, arg, in_shape):
    cfg = {
        "name": name,
        "trainable": True,
        "dtype": policy3(),
        "units": units,
        "activation": activation,
        "use_bias": True,
        "kernel_initializer": init3("GlorotUniform", {"seed": None}),
        "bias_initializer": init3("Zeros"),
        "kernel_regularizer": None,
        "bias_regularizer": None,
        "kernel_constraint": None,
        "bias_constraint": None,
    }
    return entry3("Dense", cfg, [{"args": [arg], "kwargs": {}}], in_shape)


def conv3(name, filters, activation, arg, in_shape):
    cfg = {
        "name": name,
        "trainable": True,
        "dtype": policy3(),
        "filters": filters,
        "kernel_size": [3, 3],
        "strides": [1, 1],
        "padding": "same",
        "data_format": "channels_last",
        "dilation_rate": [1, 1],
        "groups": 1,
        "activation": activation,
        "use_bias": True,
        "kernel_initializer": init3("GlorotUniform", {"seed": None}),
        "bias_initializer": init3("Zeros"),
        "kernel_regularizer": None,
        "bias_regularizer": None,
        "activity_regularizer": None,
        "kernel_constraint": None,
        "bias_constraint": None,
    }
    return entry3("Conv2D", cfg, [{"args": [arg], "kwargs": {}}], in_shape)


def bn3(name, arg, in_shape):
    cfg = {
        "name": name,
        "trainable": True,
        "dtype": policy3(),
        "axis": -1,
        "momentum": 0.99,
        "epsilon": 0.001,
        "center": True,
        "scale": True,
        "beta_initializer": init3("Zeros"),
        "gamma_initializer": init3("Ones"),
        "moving_mean_initializer": init3("Zeros"),
        "moving_variance_initializer": init3("Ones"),
        "beta_regularizer": None,
        "gamma_regularizer": None,
        "beta_constraint": None,
        "gamma_constraint": None,
        "synchronized": False,
    }
    return entry3("BatchNormalization", cfg, [{"args": [arg], "kwargs": {"mask": None}}], in_shape)


def simple3(class_name, name, arg, in_shape, extra=None, kwargs=None):
    cfg = {"name": name, "trainable": True, "dtype": policy3()}
    cfg.update(extra or {})
    return entry3(class_name, cfg, [{"args": [arg], "kwargs": kwargs or {}}], in_shape)


def functional3(name, layers, inputs, outputs, nodes=None):
    config = {"name": name, "trainable": True, "layers": layers, "input_layers": inputs, "output_layers": outputs}
    e = {"module": "keras.src.models.functional", "class_name": "Functional", "config": config, "registered_name": "Functional"}
    if nodes is not None:
        e["build_config"] = {"input_shape": None}
        e["name"] = name
        e["inbound_nodes"] = nodes
    return e


def bn_weights(n):
    return [rand(n) + 1.0, rand(n), rand(n), (rng.random(n) + 0.5).astype(np.float32)]


# ---------------------------------------------------------------- Keras 3 .keras writer


def write_keras3(path, config, weights):
    """weights: {h5 path of a vars group: [arrays]}; every layer path gets a vars group with its name."""
    buf = io.BytesIO()
    with h5py.File(buf, "w") as h:
        for group_path, (name, arrays) in weights.items():
            g = h.create_group(group_path) if group_path != "vars" else h.create_group("vars")
            g.attrs["name"] = name
            for i, a in enumerate(arrays):
                g.create_dataset(str(i), data=a)
    meta = {"keras_version": "3.11.3", "date_saved": "2026-12-02@00:00:00", "written_by": WRITER}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
        # a fixed date keeps the bytes reproducible
        for name, data in [
            ("metadata.json", json.dumps(meta)),
            ("config.json", json.dumps(config)),
            ("model.weights.h5", buf.getvalue()),
        ]:
            z.writestr(zipfile.ZipInfo(name, date_time=(2026, 12, 2, 0, 0, 0)), data)


def keras3_residual(out):
    """Input 8x8x2 -> conv/BN -> conv/BN -> Add(shortcut) -> ReLU -> GAP -> Dense softmax."""
    s = [None, 8, 8, 4]
    layers = [
        input3("image", [8, 8, 2]),
        conv3("conv2d", 4, "relu", tensor3("image", 0, [None, 8, 8, 2]), [None, 8, 8, 2]),
        bn3("batch_normalization", tensor3("conv2d", 0, s), s),
        conv3("conv2d_1", 4, "linear", tensor3("batch_normalization", 0, s), s),
        bn3("batch_normalization_1", tensor3("conv2d_1", 0, s), s),
        simple3("Add", "add", [tensor3("batch_normalization", 0, s), tensor3("batch_normalization_1", 0, s)], [s, s]),
        simple3("ReLU", "re_lu", tensor3("add", 0, s), s, {"max_value": None, "negative_slope": 0.0, "threshold": 0.0}),
        simple3(
            "GlobalAveragePooling2D",
            "global_average_pooling2d",
            tensor3("re_lu", 0, s),
            s,
            {"data_format": "channels_last", "keepdims": False},
        ),
        dense3("dense", 3, "softmax", tensor3("global_average_pooling2d", 0, [None, 4]), [None, 4]),
    ]
    config = functional3("residual", layers, ["image", 0, 0], ["dense", 0, 0])
    w = {
        "vars": ("residual", []),
        "layers/input_layer/vars": ("image", []),
        "layers/conv2d/vars": ("conv2d", [rand(3, 3, 2, 4), rand(4)]),
        "layers/batch_normalization/vars": ("batch_normalization", bn_weights(4)),
        "layers/conv2d_1/vars": ("conv2d_1", [rand(3, 3, 4, 4), rand(4)]),
        "layers/batch_normalization_1/vars": ("batch_normalization_1", bn_weights(4)),
        "layers/add/vars": ("add", []),
        "layers/re_lu/vars": ("re_lu", []),
        "layers/global_average_pooling2d/vars": ("global_average_pooling2d", []),
        "layers/dense/vars": ("dense", [rand(4, 3), rand(3)]),
    }
    write_keras3(os.path.join(out, "keras3-residual.keras"), config, w)


def keras3_nested(out):
    """Dict inputs {title, body}; a nested Functional 'tower' called on title, whose output is also
    the model's first output; a nested Sequential 'body_encoder'; a Dense 'shared' called twice;
    Concatenate; outputs [tower output, Dense softmax]."""
    tower = functional3(
        "tower",
        [
            input3("tower_in", [5]),
            dense3("dense", 4, "tanh", tensor3("tower_in", 0, [None, 5]), [None, 5]),
        ],
        ["tower_in", 0, 0],
        ["dense", 0, 0],
        nodes=[{"args": [tensor3("title", 0, [None, 5])], "kwargs": {}}],
    )
    seq_layers = [
        input3("body_in", [7]),
        {
            "module": "keras.layers",
            "class_name": "Dense",
            "config": dense3("dense", 4, "relu", None, [None, 7])["config"],
            "registered_name": None,
            "build_config": {"input_shape": [None, 7]},
        },
    ]
    body_encoder = {
        "module": "keras",
        "class_name": "Sequential",
        "config": {"name": "body_encoder", "trainable": True, "dtype": policy3(), "layers": seq_layers},
        "registered_name": None,
        "build_config": {"input_shape": [None, 7]},
        "name": "body_encoder",
        "inbound_nodes": [{"args": [tensor3("body", 0, [None, 7])], "kwargs": {}}],
    }
    shared = dense3("shared", 4, "relu", tensor3("tower", 0, [None, 4]), [None, 4])
    shared["inbound_nodes"].append({"args": [tensor3("body_encoder", 0, [None, 4])], "kwargs": {}})
    layers = [
        input3("title", [5]),
        input3("body", [7]),
        tower,
        body_encoder,
        shared,
        simple3(
            "Concatenate",
            "concatenate",
            [tensor3("shared", 0, [None, 4]), tensor3("shared", 1, [None, 4])],
            [[None, 4], [None, 4]],
            {"axis": -1},
        ),
        dense3("department", 3, "softmax", tensor3("concatenate", 0, [None, 8]), [None, 8]),
    ]
    # output_layers names the nested Functional one higher than its call: Keras 3 get_config
    # counts a Functional's nodes from 1 (docs/keras-functional-formats.md §1.5)
    config = functional3(
        "two_towers",
        layers,
        {"title": ["title", 0, 0], "body": ["body", 0, 0]},
        [["tower", 1, 0], ["department", 0, 0]],
    )
    w = {
        "vars": ("two_towers", []),
        "layers/input_layer/vars": ("title", []),
        "layers/input_layer_1/vars": ("body", []),
        "layers/functional/vars": ("tower", []),
        "layers/functional/layers/input_layer/vars": ("tower_in", []),
        "layers/functional/layers/dense/vars": ("dense", [rand(5, 4), rand(4)]),
        "layers/sequential/vars": ("body_encoder", []),
        "layers/sequential/layers/dense/vars": ("dense", [rand(7, 4), rand(4)]),
        "layers/dense/vars": ("shared", [rand(4, 4), rand(4)]),
        "layers/concatenate/vars": ("concatenate", []),
        "layers/dense_1/vars": ("department", [rand(8, 3), rand(3)]),
    }
    write_keras3(os.path.join(out, "keras3-nested-shared.keras"), config, w)


def keras3_sequential_cnn(out):
    """A Sequential .keras that today's Sequential loader reads: it checks this pipeline (writer,
    NumPy reference, test comparison) end to end before the Functional loader exists."""
    s = [None, 8, 8, 4]

    def plain(e):
        e.pop("name")
        e.pop("inbound_nodes")
        return e

    layers = [
        plain(input3("input_layer", [8, 8, 2])),
        plain(conv3("conv2d", 4, "relu", None, [None, 8, 8, 2])),
        plain(bn3("batch_normalization", None, s)),
        plain(
            simple3(
                "MaxPooling2D",
                "max_pooling2d",
                None,
                s,
                {"pool_size": [2, 2], "padding": "valid", "strides": [2, 2], "data_format": "channels_last"},
            )
        ),
        plain(simple3("Flatten", "flatten", None, [None, 4, 4, 4], {"data_format": "channels_last"})),
        plain(dense3("dense", 3, "softmax", None, [None, 64])),
    ]
    config = {
        "module": "keras",
        "class_name": "Sequential",
        "config": {"name": "sequential", "trainable": True, "dtype": policy3(), "layers": layers},
        "registered_name": None,
        "build_config": {"input_shape": [None, 8, 8, 2]},
    }
    w = {
        "vars": ("sequential", []),
        "layers/conv2d/vars": ("conv2d", [rand(3, 3, 2, 4), rand(4)]),
        "layers/batch_normalization/vars": ("batch_normalization", bn_weights(4)),
        "layers/max_pooling2d/vars": ("max_pooling2d", []),
        "layers/flatten/vars": ("flatten", []),
        "layers/dense/vars": ("dense", [rand(64, 3), rand(3)]),
    }
    write_keras3(os.path.join(out, "keras3-sequential-cnn.keras"), config, w)


# ---------------------------------------------------------------- legacy .h5 writer


def names_attr(values, vlen):
    """Name lists: fixed-length bytes as tf.keras 2.3 wrote them, variable-length as 2.8+ and Keras 3 do."""
    if vlen:
        return np.array([v.encode("utf8") for v in values], dtype=h5py.string_dtype("ascii"))
    return np.array([v.encode("utf8") for v in values]) if values else np.array([], dtype="S1")


def write_h5(path, model_config, version, layer_names, groups, vlen):
    """groups: {layer group name: [(weight name, array)]} in the legacy order."""
    with h5py.File(path, "w") as f:
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = version.encode("utf8")
        f.attrs["model_config"] = json.dumps(model_config).encode("utf8")
        f.attrs["written_by"] = WRITER.encode("utf8")
        mw = f.create_group("model_weights")
        mw.attrs["layer_names"] = names_attr(layer_names, vlen)
        mw.attrs["backend"] = b"tensorflow"
        mw.attrs["keras_version"] = version.encode("utf8")
        for name in sorted(layer_names):
            g = mw.create_group(name)
            ws = groups.get(name, [])
            g.attrs["weight_names"] = names_attr([n for n, _ in ws], vlen)
            for n, a in ws:
                g.create_dataset(n, data=a)
        top = mw.create_group("top_level_model_weights")
        top.attrs["weight_names"] = names_attr([], vlen)


def dense2(name, units, activation, inbound):
    return {
        "class_name": "Dense",
        "config": {
            "name": name,
            "trainable": True,
            "dtype": "float32",
            "units": units,
            "activation": activation,
            "use_bias": True,
            "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
            "bias_initializer": {"class_name": "Zeros", "config": {}},
            "kernel_regularizer": None,
            "bias_regularizer": None,
            "activity_regularizer": None,
            "kernel_constraint": None,
            "bias_constraint": None,
        },
        "name": name,
        "inbound_nodes": inbound,
    }


def input2(name, shape):
    return {
        "class_name": "InputLayer",
        "config": {"batch_input_shape": [None] + shape, "dtype": "float32", "sparse": False, "ragged": False, "name": name},
        "name": name,
        "inbound_nodes": [],
    }


def keras2_two_inputs(out):
    """tf.keras 2.15 layout: inputs a, b; a nested Sequential 'encoder' (InputLayer, Dense, BN) called on
    both, so its calls are nodes 1 and 2; Concatenate; Dense; outputs 'score' (sigmoid) and 'label'."""
    enc_dense = dense2("dense", 5, "relu", [])
    del enc_dense["name"], enc_dense["inbound_nodes"]
    enc_bn = {
        "class_name": "BatchNormalization",
        "config": {
            "name": "batch_normalization",
            "trainable": True,
            "dtype": "float32",
            "axis": [1],
            "momentum": 0.99,
            "epsilon": 0.001,
            "center": True,
            "scale": True,
            "beta_initializer": {"class_name": "Zeros", "config": {}},
            "gamma_initializer": {"class_name": "Ones", "config": {}},
            "moving_mean_initializer": {"class_name": "Zeros", "config": {}},
            "moving_variance_initializer": {"class_name": "Ones", "config": {}},
            "beta_regularizer": None,
            "gamma_regularizer": None,
            "beta_constraint": None,
            "gamma_constraint": None,
        },
    }
    enc_in = input2("encoder_input", [6])
    del enc_in["name"], enc_in["inbound_nodes"]
    encoder = {
        "class_name": "Sequential",
        "config": {"name": "encoder", "layers": [enc_in, enc_dense, enc_bn]},
        "name": "encoder",
        "inbound_nodes": [[["a", 0, 0, {}]], [["b", 0, 0, {}]]],
    }
    layers = [
        input2("a", [6]),
        input2("b", [6]),
        encoder,
        {
            "class_name": "Concatenate",
            "config": {"name": "concatenate", "trainable": True, "dtype": "float32", "axis": -1},
            "name": "concatenate",
            "inbound_nodes": [[["encoder", 1, 0, {}], ["encoder", 2, 0, {}]]],
        },
        dense2("dense_1", 4, "relu", [[["concatenate", 0, 0, {}]]]),
        dense2("score", 1, "sigmoid", [[["dense_1", 0, 0, {}]]]),
        dense2("label", 3, "softmax", [[["dense_1", 0, 0, {}]]]),
    ]
    config = {
        "class_name": "Functional",
        "config": {
            "name": "model",
            "layers": layers,
            "input_layers": [["a", 0, 0], ["b", 0, 0]],
            "output_layers": [["score", 0, 0], ["label", 0, 0]],
        },
    }
    gamma, beta, mean, var = bn_weights(5)
    groups = {
        # a nested model is one group, trainable weights of all sublayers first (hdf5_format.py _legacy_weights)
        "encoder": [
            ("dense/kernel:0", rand(6, 5)),
            ("dense/bias:0", rand(5)),
            ("batch_normalization/gamma:0", gamma),
            ("batch_normalization/beta:0", beta),
            ("batch_normalization/moving_mean:0", mean),
            ("batch_normalization/moving_variance:0", var),
        ],
        "dense_1": [("dense_1/kernel:0", rand(10, 4)), ("dense_1/bias:0", rand(4))],
        "score": [("score/kernel:0", rand(4, 1)), ("score/bias:0", rand(1))],
        "label": [("label/kernel:0", rand(4, 3)), ("label/bias:0", rand(3))],
    }
    names = ["a", "b", "encoder", "concatenate", "dense_1", "score", "label"]
    write_h5(os.path.join(out, "keras2-two-inputs-nested.h5"), config, "2.15.0", names, groups, vlen=False)


def keras3_legacy_h5(out):
    """Keras 3 `model.save('x.h5')`: legacy container, entries without `module`, nodes in the
    args/kwargs form, weight names without ':0'; three outputs off a Dropout."""
    def strip(e):
        e.pop("module", None)
        e.pop("registered_name", None)
        return e

    layers = [
        strip(input3("input_layer", [6])),
        strip(dense3("dense", 8, "relu", tensor3("input_layer", 0, [None, 6]), [None, 6])),
        strip(simple3("Dropout", "dropout", tensor3("dense", 0, [None, 8]), [None, 8], {"rate": 0.3, "seed": None, "noise_shape": None})),
        strip(dense3("out_a", 2, "softmax", tensor3("dropout", 0, [None, 8]), [None, 8])),
        strip(dense3("out_b", 1, "linear", tensor3("dropout", 0, [None, 8]), [None, 8])),
        strip(dense3("out_c", 3, "sigmoid", tensor3("dropout", 0, [None, 8]), [None, 8])),
    ]
    config = {
        "class_name": "Functional",
        "config": {
            "name": "functional",
            "trainable": True,
            "layers": layers,
            "input_layers": [["input_layer", 0, 0]],
            "output_layers": [["out_a", 0, 0], ["out_b", 0, 0], ["out_c", 0, 0]],
        },
    }
    groups = {
        "dense": [("dense/kernel", rand(6, 8)), ("dense/bias", rand(8))],
        "out_a": [("out_a/kernel", rand(8, 2)), ("out_a/bias", rand(2))],
        "out_b": [("out_b/kernel", rand(8, 1)), ("out_b/bias", rand(1))],
        "out_c": [("out_c/kernel", rand(8, 3)), ("out_c/bias", rand(3))],
    }
    names = ["input_layer", "dense", "dropout", "out_a", "out_b", "out_c"]
    write_h5(os.path.join(out, "keras3-legacy-three-outputs.h5"), config, "3.10.0", names, groups, vlen=True)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "test/fixtures/keras/functional"
    os.makedirs(out, exist_ok=True)
    keras3_sequential_cnn(out)
    keras3_residual(out)
    keras3_nested(out)
    keras2_two_inputs(out)
    keras3_legacy_h5(out)


if __name__ == "__main__":
    main()
