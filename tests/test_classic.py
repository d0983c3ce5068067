"""The classic examples of backprop lessons, run unchanged on tinygrad_lite and on torch.

Each lesson is written once as a function of the library module (``lib`` plays the role of
``torch``) and returns what it would print; the two libraries must print the same text.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_lite

torch = pytest.importorskip("torch")


def both(lesson, *args):
    """Run ``lesson`` with tinygrad_lite and with torch; return both outputs."""
    return lesson(tinygrad_lite, *args), lesson(torch, *args)


def cs231n_circuit(lib):
    """CS231n: q = x + y, f = q * z."""
    x = lib.tensor(-2.0, requires_grad=True)
    y = lib.tensor(5.0, requires_grad=True)
    z = lib.tensor(-4.0, requires_grad=True)
    q = x + y
    f = q * z
    f.backward()
    return [repr(q), repr(f), repr(x.grad), repr(y.grad), repr(z.grad), q.grad_fn.name()]


def test_cs231n_circuit():
    ours, theirs = both(cs231n_circuit)
    assert ours == theirs
    assert ours[2:5] == ["tensor(-4.)", "tensor(-4.)", "tensor(3.)"]


def sigmoid_neuron(lib):
    """CS231n's 2-input neuron: out = sigmoid(w0*x0 + w1*x1 + w2)."""
    w0 = lib.tensor([2.0], requires_grad=True)
    x0 = lib.tensor([-1.0], requires_grad=True)
    w1 = lib.tensor([-3.0], requires_grad=True)
    x1 = lib.tensor([-2.0], requires_grad=True)
    w2 = lib.tensor([-3.0], requires_grad=True)
    out = lib.sigmoid(w0 * x0 + w1 * x1 + w2)
    out.backward()
    return [repr(out)] + [repr(t.grad) for t in (w0, x0, w1, x1, w2)]


def test_sigmoid_neuron():
    ours, theirs = both(sigmoid_neuron)
    assert ours == theirs
    assert ours[0] == "tensor([0.7311], grad_fn=<SigmoidBackward0>)"
    assert ours[1:] == ["tensor([-0.1966])", "tensor([0.3932])", "tensor([-0.3932])",
                        "tensor([-0.5898])", "tensor([0.1966])"]


def mean_of_squares(lib):
    """The PyTorch 60-minute blitz: out = mean(3 (x + 2)^2) at x = 1."""
    x = lib.ones(2, 2, requires_grad=True)
    y = x + 2
    z = y * y * 3
    out = z.mean()
    out.backward()
    return [repr(y), repr(z), repr(out), repr(x.grad)]


def test_mean_of_squares():
    ours, theirs = both(mean_of_squares)
    assert ours == theirs
    assert ours[2] == "tensor(27., grad_fn=<MeanBackward0>)"
    assert ours[3] == "tensor([[4.5000, 4.5000],\n        [4.5000, 4.5000]])"


def bce_with_logits(lib, w_np, b_np):
    x = lib.ones(5, dtype=lib.float64)
    y = lib.zeros(3, dtype=lib.float64)
    w = lib.tensor(w_np, requires_grad=True)
    b = lib.tensor(b_np, requires_grad=True)
    z = lib.matmul(x, w) + b
    loss = lib.nn.functional.binary_cross_entropy_with_logits(z, y)
    loss.backward()
    return loss, w.grad, b.grad


def test_bce_with_logits_gradients():
    rng = np.random.default_rng(0)
    w_np, b_np = rng.standard_normal((5, 3)), rng.standard_normal(3)
    (l1, w1, b1), (l2, w2, b2) = both(bce_with_logits, w_np, b_np)
    assert l1.item() == pytest.approx(l2.item(), rel=1e-14)
    np.testing.assert_allclose(w1.numpy(), w2.numpy(), rtol=1e-13)
    np.testing.assert_allclose(b1.numpy(), b2.numpy(), rtol=1e-13)
    assert repr(l1) == repr(l2)


def linear_regression(lib):
    """f = w * x fitted to Y = 2X with torch.no_grad() updates and w.grad.zero_()."""
    X = lib.tensor([1, 2, 3, 4], dtype=lib.float32)
    Y = lib.tensor([2, 4, 6, 8], dtype=lib.float32)
    w = lib.tensor(0.0, dtype=lib.float32, requires_grad=True)

    def forward(x):
        return w * x

    def loss(y, y_pred):
        return ((y_pred - y) ** 2).mean()

    lines = [f"Prediction before training: f(5) = {forward(5).item():.3f}"]
    for epoch in range(100):
        y_pred = forward(X)
        l = loss(Y, y_pred)
        l.backward()
        with lib.no_grad():
            w -= 0.01 * w.grad
        w.grad.zero_()
        if epoch % 10 == 0:
            lines.append(f"epoch {epoch + 1}: w = {w:.3f}, loss = {l:.8f}")
    lines.append(f"Prediction after training: f(5) = {forward(5).item():.3f}")
    lines.append(repr(w))
    return lines


def test_linear_regression_float32_prints_torch_digits():
    ours, theirs = both(linear_regression)
    assert ours == theirs
    assert ours[-2] == "Prediction after training: f(5) = 10.000"


def per_sample_sgd(lib):
    """Old-style PyTorch: Variable, w.data updates and w.grad.data.zero_()."""
    from_autograd = lib.autograd.Variable
    x_data, y_data = [1.0, 2.0, 3.0], [2.0, 4.0, 6.0]
    w = from_autograd(lib.Tensor([1.0]), requires_grad=True)

    def forward(x):
        return x * w

    def loss(x, y):
        y_pred = forward(x)
        return (y_pred - y) * (y_pred - y)

    lines = [f"predict (before training) 4 {forward(4).data[0]}"]
    for epoch in range(100):
        for x_val, y_val in zip(x_data, y_data):
            l = loss(x_val, y_val)
            l.backward()
            lines.append(f"\tgrad: {x_val} {y_val} {w.grad.data[0]}")
            w.data = w.data - 0.01 * w.grad.item()
            w.grad.data.zero_()
        lines.append(f"progress: {epoch} {l.data[0]}")
    lines.append(f"predict (after training) 4 {forward(4).data[0]}")
    return lines


def test_per_sample_sgd_with_variable():
    ours, theirs = both(per_sample_sgd)
    assert len(ours) == 1 + 100 * 4 + 1
    assert ours == theirs


def two_layer_net_numpy(x, y, w1, w2, steps, lr):
    w1, w2 = w1.copy(), w2.copy()
    losses = []
    for _ in range(steps):
        h = x.dot(w1)
        h_relu = np.maximum(h, 0)
        y_pred = h_relu.dot(w2)
        losses.append(np.square(y_pred - y).sum())
        grad_y_pred = 2.0 * (y_pred - y)
        grad_w2 = h_relu.T.dot(grad_y_pred)
        grad_h = grad_y_pred.dot(w2.T)
        grad_h[h < 0] = 0  # relu's local gradient
        w1 -= lr * x.T.dot(grad_h)
        w2 -= lr * grad_w2
    return losses


def two_layer_net_tape(lib, x, y, w1, w2, steps, lr):
    x, y = lib.tensor(x), lib.tensor(y)
    w1 = lib.tensor(w1, requires_grad=True)
    w2 = lib.tensor(w2, requires_grad=True)
    losses = []
    for _ in range(steps):
        y_pred = x.mm(w1).clamp(min=0).mm(w2)
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with lib.no_grad():
            w1 -= lr * w1.grad
            w2 -= lr * w2.grad
            w1.grad.zero_()
            w2.grad.zero_()
    return losses


def test_two_layer_net_matches_numpy_by_hand():
    n, d_in, h, d_out = 64, 1000, 100, 10
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((n, d_in)), rng.standard_normal((n, d_out))
    w1, w2 = rng.standard_normal((d_in, h)), rng.standard_normal((h, d_out))
    by_hand = two_layer_net_numpy(x, y, w1, w2, 500, 1e-6)
    on_tape = two_layer_net_tape(tinygrad_lite, x, y, w1, w2, 500, 1e-6)
    np.testing.assert_allclose(on_tape, by_hand, rtol=1e-6)
    assert on_tape[-1] < on_tape[0] / 10
