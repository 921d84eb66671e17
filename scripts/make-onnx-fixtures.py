#!/usr/bin/python3
"""Trains small PyTorch models on MNIST and exports them to ONNX as test fixtures for `dcz`.

Run with Debian's PyTorch (`apt-get install python3-torch python3-onnx`; it is /usr/bin/python3):

    /usr/bin/python3 scripts/make-onnx-fixtures.py MNIST_DIR tests/data/onnx

MNIST_DIR holds the four IDX files (gzip), as `dcz download-mnist` writes them. Everything is
seeded and runs on one thread for a fixed number of epochs (no time cap, so a busy machine gives the
same bytes, only later): about 15 s for the MLP and 60 s for the CNN here. Writes into OUT_DIR:

  mlp-bn.onnx                784 -> Gemm 48 -> BatchNormalization -> Relu -> Gemm 10 (trained)
  cnn-residual.onnx          Conv+BN+ReLU6, MaxPool, depthwise 3x3 + pointwise 1x1 conv (BN each),
                             residual Add, strided conv, GlobalAveragePool, Flatten, Gemm (trained);
                             exported with the BatchNormalization nodes kept (not folded)
  ops-mix.onnx               BatchNormalization on the input, AveragePool with padding, Sigmoid,
                             Tanh, Reshape, MatMul + Add, Softmax (seeded, untrained: covers ops)
  gemm-identity-dropout.onnx hand-made: Identity -> Gemm -> Dropout -> Relu (removal of both)
  unsupported-lstm.onnx      hand-made: an LSTM node (an op dcz does not import)
  unsupported-dilation.onnx  hand-made: a Conv with dilations [2, 2]
  NAME.inputs.npy            float32 test inputs (preprocessed MNIST test images for the MNIST models)
  NAME.outputs.npy           PyTorch's outputs for them (float32)
  NAME.labels.npy            the images' labels (uint8), for the MNIST models
"""

import gzip
import os
import sys
import time
import warnings

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import TensorProto, helper

SEED = 20261130
MEAN, STD = 0.1307, 0.3081  # MNIST pixel statistics after scaling by 1/255
FIXTURE_INPUTS = 16


def read_idx(path, offset):
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


def load_mnist(folder):
    def images(name):
        return read_idx(os.path.join(folder, name), 16).reshape(-1, 1, 28, 28)

    def labels(name):
        return read_idx(os.path.join(folder, name), 8).astype(np.int64)

    def prep(x):
        return ((x.astype(np.float32) / 255.0) - MEAN) / STD

    return (prep(images("train-images-idx3-ubyte.gz")), labels("train-labels-idx1-ubyte.gz"),
            prep(images("t10k-images-idx3-ubyte.gz")), labels("t10k-labels-idx1-ubyte.gz"))


class MlpBn(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 48)
        self.bn1 = nn.BatchNorm1d(48)
        self.fc2 = nn.Linear(48, 10)

    def forward(self, x):
        return self.fc2(F.relu(self.bn1(self.fc1(x))))


class CnnResidual(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.dw = nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False)
        self.bn_dw = nn.BatchNorm2d(8)
        self.pw = nn.Conv2d(8, 8, 1, bias=False)
        self.bn_pw = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 32, 3, stride=2, padding=1)
        self.bn2 = nn.BatchNorm2d(32)
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        x = F.relu6(self.bn1(self.conv1(x)))         # [8, 28, 28]
        x = F.max_pool2d(x, 2)                       # [8, 14, 14]
        y = F.relu6(self.bn_dw(self.dw(x)))          # depthwise 3x3
        y = self.bn_pw(self.pw(y))                   # pointwise 1x1
        x = F.relu6(x + y)                           # residual
        x = F.relu(self.bn2(self.conv2(x)))          # [32, 7, 7]
        x = F.adaptive_avg_pool2d(x, 1)              # GlobalAveragePool
        return self.fc(torch.flatten(x, 1))


class OpsMix(nn.Module):
    """Untrained: exists to put the remaining ops in one real PyTorch export."""

    def __init__(self):
        super().__init__()
        self.bn_in = nn.BatchNorm2d(1)
        self.conv = nn.Conv2d(1, 4, 5, stride=2, padding=(1, 2))
        self.w = nn.Parameter(torch.randn(4 * 7 * 7, 12) * 0.1)
        self.b = nn.Parameter(torch.randn(12) * 0.1)
        self.fc = nn.Linear(12, 10)

    def forward(self, x):
        x = self.bn_in(x)                                                   # nothing to fold into
        x = torch.sigmoid(self.conv(x))                                     # [4, 13, 14]
        x = F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False)  # [4, 7, 7]
        x = torch.tanh(x.reshape(-1, 4 * 7 * 7))                            # Reshape
        x = torch.matmul(x, self.w) + self.b                                # MatMul + Add
        return torch.softmax(self.fc(x), dim=1)


def set_bn_statistics(model, generator):
    """Gives untrained batch norms non-trivial statistics, so folding them is really tested."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d) or isinstance(m, nn.BatchNorm1d):
            n = m.num_features
            m.running_mean.copy_(torch.randn(n, generator=generator) * 0.2)
            m.running_var.copy_(torch.rand(n, generator=generator) + 0.5)
            m.weight.data.copy_(torch.rand(n, generator=generator) + 0.5)
            m.bias.data.copy_(torch.randn(n, generator=generator) * 0.1)


def train(model, x, y, epochs, lr, flatten):
    generator = torch.Generator().manual_seed(SEED)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    start = time.time()
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(xt), generator=generator)
        for i in range(0, len(order), 64):
            batch = order[i:i + 64]
            inputs = xt[batch].reshape(len(batch), -1) if flatten else xt[batch]
            optimizer.zero_grad()
            loss = F.cross_entropy(model(inputs), yt[batch])
            loss.backward()
            optimizer.step()
        print(f"  epoch {epoch + 1}: loss {loss.item():.4f} ({time.time() - start:.0f} s)")


def accuracy(model, x, y, flatten):
    model.eval()
    with torch.no_grad():
        correct = 0
        for i in range(0, len(x), 1000):
            inputs = torch.from_numpy(x[i:i + 1000])
            if flatten:
                inputs = inputs.reshape(len(inputs), -1)
            correct += (model(inputs).argmax(1).numpy() == y[i:i + 1000]).sum()
    return correct / len(x)


def export(model, name, inputs, out, keep_batch_norm=False):
    model.eval()
    path = os.path.join(out, name + ".onnx")
    example = torch.from_numpy(inputs[:1])
    torch.onnx.export(
        model, example, path, opset_version=13,
        input_names=["input"], output_names=["output"],
        dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
        # PRESERVE keeps eval-mode BatchNormalization nodes instead of folding them into the
        # convolutions, so the importer's folding is what the test exercises.
        training=torch.onnx.TrainingMode.PRESERVE if keep_batch_norm else torch.onnx.TrainingMode.EVAL,
        do_constant_folding=True)
    onnx.checker.check_model(onnx.load(path))
    with torch.no_grad():
        outputs = model(torch.from_numpy(inputs)).numpy().astype(np.float32)
    np.save(os.path.join(out, name + ".inputs.npy"), inputs.astype(np.float32))
    np.save(os.path.join(out, name + ".outputs.npy"), outputs)
    ops = sorted({n.op_type for n in onnx.load(path).graph.node})
    print(f"  wrote {path} ({os.path.getsize(path):,} bytes; ops: {', '.join(ops)})")


def save_hand_made(out):
    rng = np.random.default_rng(SEED)

    def tensor(name, array):
        return helper.make_tensor(name, TensorProto.FLOAT, array.shape, array.astype(np.float32).flatten().tolist())

    # Identity -> Gemm -> Dropout -> Relu: both pass-through ops must disappear on import.
    w = rng.normal(0, 0.5, (3, 4))
    b = rng.normal(0, 0.5, (3,))
    graph = helper.make_graph(
        [helper.make_node("Identity", ["input"], ["x0"], name="id"),
         helper.make_node("Gemm", ["x0", "W", "B"], ["g"], name="fc", transB=1),
         helper.make_node("Dropout", ["g"], ["d", "mask"], name="drop"),
         helper.make_node("Relu", ["d"], ["output"], name="relu")],
        "gemm-identity-dropout",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 4])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", 3])],
        [tensor("W", w), tensor("B", b)])
    save_model(graph, os.path.join(out, "gemm-identity-dropout.onnx"))
    x = rng.normal(0, 1, (FIXTURE_INPUTS, 4)).astype(np.float32)
    np.save(os.path.join(out, "gemm-identity-dropout.inputs.npy"), x)
    np.save(os.path.join(out, "gemm-identity-dropout.outputs.npy"), np.maximum(x @ w.T.astype(np.float32) + b.astype(np.float32), 0).astype(np.float32))

    # An op dcz does not import.
    hidden = 2
    graph = helper.make_graph(
        [helper.make_node("LSTM", ["input", "W", "R"], ["y"], name="lstm1", hidden_size=hidden)],
        "unsupported-lstm",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [5, 1, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [5, 1, 1, hidden])],
        [tensor("W", rng.normal(0, 0.5, (1, 4 * hidden, 3))), tensor("R", rng.normal(0, 0.5, (1, 4 * hidden, hidden)))])
    save_model(graph, os.path.join(out, "unsupported-lstm.onnx"))

    # A supported op with an attribute value dcz does not import.
    graph = helper.make_graph(
        [helper.make_node("Conv", ["input", "W"], ["c"], name="dilated", dilations=[2, 2], kernel_shape=[3, 3]),
         helper.make_node("Relu", ["c"], ["output"], name="relu")],
        "unsupported-dilation",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 1, 8, 8])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", 2, 4, 4])],
        [tensor("W", rng.normal(0, 0.5, (2, 1, 3, 3)))])
    save_model(graph, os.path.join(out, "unsupported-dilation.onnx"))


def save_model(graph, path):
    model = helper.make_model(graph, producer_name="make-onnx-fixtures.py", opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    onnx.save(model, path)
    print(f"  wrote {path} ({os.path.getsize(path):,} bytes)")


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: make-onnx-fixtures.py MNIST_DIR OUT_DIR")
    mnist, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(1)
    # The exporter warns about constant folding with TrainingMode.PRESERVE, which matters only for
    # models in training mode; every model here is exported in eval mode.
    warnings.filterwarnings("ignore", message="It is recommended that constant folding be turned off")
    torch.manual_seed(SEED)
    train_x, train_y, test_x, test_y = load_mnist(mnist)
    fixture_x, fixture_y = test_x[:FIXTURE_INPUTS], test_y[:FIXTURE_INPUTS].astype(np.uint8)

    print("mlp-bn: training")
    mlp = MlpBn()
    train(mlp, train_x, train_y, epochs=3, lr=0.05, flatten=True)
    print(f"  test accuracy {accuracy(mlp, test_x, test_y, flatten=True) * 100:.2f} %")
    export(mlp, "mlp-bn", fixture_x.reshape(FIXTURE_INPUTS, -1), out)
    np.save(os.path.join(out, "mlp-bn.labels.npy"), fixture_y)

    print("cnn-residual: training")
    torch.manual_seed(SEED)
    cnn = CnnResidual()
    train(cnn, train_x, train_y, epochs=4, lr=0.02, flatten=False)
    print(f"  test accuracy {accuracy(cnn, test_x, test_y, flatten=False) * 100:.2f} %")
    export(cnn, "cnn-residual", fixture_x, out, keep_batch_norm=True)
    np.save(os.path.join(out, "cnn-residual.labels.npy"), fixture_y)

    print("ops-mix: seeded, untrained")
    torch.manual_seed(SEED)
    mix = OpsMix()
    set_bn_statistics(mix, torch.Generator().manual_seed(SEED))
    export(mix, "ops-mix", fixture_x, out, keep_batch_norm=True)

    print("hand-made models")
    save_hand_made(out)


if __name__ == "__main__":
    main()
