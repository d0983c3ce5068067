"""Lesson 9 of the tinygrad_lite site: NumPy by hand versus the tape.

A two-layer net (64 x 1000 -> 100 -> 10, ReLU, sum of squared errors) trained twice from the
same NumPy data and starting weights: once with a backward pass written by hand in NumPy,
once with tinygrad_lite's backward(). The losses are the same, step for step.

Run: python 09-numpy-vs-tape.py   (needs numpy and tinygrad_lite; matplotlib for the plot).
The tape version also runs with `import torch` in place of `import tinygrad_lite as torch`.
"""

import numpy as np

import tinygrad_lite as torch

# -- The network and its data ------------------------------------------------------------------
rng = np.random.default_rng(0)
N, D_in, H, D_out = 64, 1000, 100, 10
x = rng.standard_normal((N, D_in))
y = rng.standard_normal((N, D_out))
w1_start = rng.standard_normal((D_in, H))
w2_start = rng.standard_normal((H, D_out))
learning_rate = 1e-6
n_steps = 100
print(x.shape, w1_start.shape, w2_start.shape, y.shape)


# -- The backward pass, by hand ----------------------------------------------------------------
def train_by_hand(n_steps):
    w1, w2 = w1_start.copy(), w2_start.copy()
    losses = []
    for step in range(n_steps):
        # forward pass
        h = x @ w1  # (64, 100)
        h_relu = np.maximum(h, 0)  # (64, 100)
        y_pred = h_relu @ w2  # (64, 10)
        loss = np.sum((y_pred - y) ** 2)
        losses.append(loss)

        # backward pass, last line first
        grad_y_pred = 2.0 * (y_pred - y)  # (64, 10): d loss / d y_pred
        grad_w2 = h_relu.T @ grad_y_pred  # (100, 64) @ (64, 10) -> (100, 10)
        grad_h_relu = grad_y_pred @ w2.T  # (64, 10) @ (10, 100) -> (64, 100)
        grad_h = grad_h_relu * (h > 0)  # the ReLU's local gradient is 0 or 1
        grad_w1 = x.T @ grad_h  # (1000, 64) @ (64, 100) -> (1000, 100)

        # gradient descent
        w1 -= learning_rate * grad_w1
        w2 -= learning_rate * grad_w2
    return losses, (grad_w1, grad_w2)


by_hand, last_grads_by_hand = train_by_hand(n_steps)
for step in (0, 1, 2, 10, 25, 50, 99):
    print(f"step {step:3d}: loss {by_hand[step]:.6g}")

grad_y_pred = np.ones((N, D_out))
try:
    grad_y_pred @ w2_start  # should be grad_y_pred @ w2_start.T
except ValueError as e:
    print("ValueError:", e)

# -- The same network on the tape --------------------------------------------------------------
X = torch.from_numpy(x)
Y = torch.from_numpy(y)


def train_on_tape(n_steps):
    w1 = torch.tensor(w1_start, requires_grad=True)  # a copy of the same numbers
    w2 = torch.tensor(w2_start, requires_grad=True)
    losses = []
    for step in range(n_steps):
        y_pred = (X @ w1).relu() @ w2
        loss = ((y_pred - Y) ** 2).sum()
        losses.append(loss.item())
        loss.backward()  # every gradient, from the tape
        with torch.no_grad():
            w1 -= learning_rate * w1.grad
            w2 -= learning_rate * w2.grad
            if step < n_steps - 1:  # keep the last gradients to compare
                w1.grad.zero_()
                w2.grad.zero_()
    return losses, (w1.grad, w2.grad)


on_tape, last_grads_on_tape = train_on_tape(n_steps)
for step in (0, 1, 2, 10, 25, 50, 99):
    print(f"step {step:3d}: by hand {by_hand[step]:12.6g}   on the tape {on_tape[step]:12.6g}")

loss_gap = max(abs(a - b) / a for a, b in zip(by_hand, on_tape))
print(f"largest relative difference of the 100 losses: {loss_gap:.1e}")
for name, g_hand, g_tape in zip(["w1", "w2"], last_grads_by_hand, last_grads_on_tape):
    print(f"gradient of {name}: largest difference {np.max(np.abs(g_hand - g_tape.numpy())):.1e}")

# -- Each hand-written line is a record's rule -------------------------------------------------
w1 = torch.tensor(w1_start, requires_grad=True)
w2 = torch.tensor(w2_start, requires_grad=True)
loss = (((X @ w1).relu() @ w2 - Y) ** 2).sum()
for r in torch.tape(loss, x=X, y=Y, w1=w1, w2=w2):
    print(f"{r.index}  {r.name:3s} {r.op:14s} {', '.join(r.inputs):7s} {tuple(r.value.shape)}")

# -- The ReLU as clamp(min=0), as PyTorch's tutorial writes it ------------------------------------
w1 = torch.tensor(w1_start, requires_grad=True)
w2 = torch.tensor(w2_start, requires_grad=True)
h = (X @ w1).clamp(min=0)
print(h.grad_fn.name(), "in place of", (X @ w1).relu().grad_fn.name())
with_clamp = []
for _ in range(n_steps):
    loss = (((X @ w1).clamp(min=0) @ w2 - Y) ** 2).sum()
    with_clamp.append(loss.item())
    loss.backward()
    with torch.no_grad():
        w1 -= learning_rate * w1.grad
        w2 -= learning_rate * w2.grad
        w1.grad.zero_()
        w2.grad.zero_()
print("the same 100 losses as with relu():", with_clamp == on_tape)

# -- The plot (needs matplotlib) ---------------------------------------------------------------
try:
    import matplotlib.pyplot as plt
except ImportError:
    print("(install matplotlib to see the plot)")
else:
    fig, ax = plt.subplots(figsize=(7, 3.4))
    ax.plot(by_hand, color="C0", linewidth=3, alpha=0.5, label="NumPy, backward by hand")
    ax.plot(range(0, n_steps, 4), on_tape[::4], "o", color="C1", markersize=4,
            label="tinygrad_lite, backward()")
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("loss (log scale)")
    ax.set_title("Two ways to the same losses")
    ax.legend()
    fig.tight_layout()
    plt.show()

# -- Exercise: biases --------------------------------------------------------------------------
b1_start, b2_start = np.zeros(H), np.zeros(D_out)

h = x @ w1_start + b1_start
h_relu = np.maximum(h, 0)
y_pred = h_relu @ w2_start + b2_start
grad_y_pred = 2.0 * (y_pred - y)
grad_b2 = grad_y_pred.sum(axis=0)  # (10,)
grad_h = (grad_y_pred @ w2_start.T) * (h > 0)
grad_b1 = grad_h.sum(axis=0)  # (100,)

w1 = torch.tensor(w1_start, requires_grad=True)
w2 = torch.tensor(w2_start, requires_grad=True)
b1 = torch.tensor(b1_start, requires_grad=True)
b2 = torch.tensor(b2_start, requires_grad=True)
loss = (((X @ w1 + b1).relu() @ w2 + b2 - Y) ** 2).sum()
loss.backward()
print(f"b1: largest difference {np.max(np.abs(grad_b1 - b1.grad.numpy())):.1e}")
print(f"b2: largest difference {np.max(np.abs(grad_b2 - b2.grad.numpy())):.1e}")
print(f"b2.grad[:3] = {b2.grad[:3]}")
