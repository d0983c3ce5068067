"""Lesson 7 of the tinygrad_lite site: weight updates.

One gradient-descent step by hand; a hand-derived gradient that forgets the 1/N of a mean
(4x steps) found by a finite-difference check; the same training with nn.MSELoss and optim.SGD.

Run: python 07-weight-updates.py   (needs tinygrad_lite and numpy; matplotlib for the plots).
"""

import numpy as np

import tinygrad_lite as torch

# -- One step by hand --------------------------------------------------------------------------
X = torch.tensor([1.0, 2.0, 3.0, 4.0])
Y = 2 * X
w = torch.tensor(0.0, requires_grad=True)
learning_rate = 0.01

y_pred = w * X                    # forward: [0, 0, 0, 0]
loss = ((y_pred - Y) ** 2).mean()
loss.backward()                   # dloss/dw lands in w.grad
print(f"before: w = {w.item():.4f}, loss = {loss.item():.4f}, "
      f"f(5) = {(5 * w).item():.4f}, dloss/dw = {w.grad.item():.4f}")

with torch.no_grad():
    w -= learning_rate * w.grad   # the update: 0 - 0.01 * (-30)
w.grad.zero_()

loss = ((w * X - Y) ** 2).mean()
print(f"after:  w = {w.item():.4f}, loss = {loss.item():.4f}, f(5) = {(5 * w).item():.4f}")

Xn, Yn = np.array([1.0, 2.0, 3.0, 4.0]), np.array([2.0, 4.0, 6.0, 8.0])


def loss_np(w):
    return np.mean((w * Xn - Yn) ** 2)


# -- The forgotten 1/N --------------------------------------------------------------------------
x = np.array([1.0, 2.0, 3.0, 4.0])
y = 2 * x


def gradient_buggy(w):
    y_pred = w * x
    return np.dot(2 * x, y_pred - y).mean()  # dL/dw ... or is it?


def gradient(w):
    y_pred = w * x
    return (2 * x * (y_pred - y)).mean()     # mean of the per-example terms


def run(grad, lr=0.01, steps=10):
    w, ws = 0.0, [0.0]
    for _ in range(steps):
        w = w - lr * grad(w)
        ws.append(w)
    return ws


ws_right, ws_buggy = run(gradient), run(gradient_buggy)
print("step   right: w     loss     buggy: w     loss")
for step in range(6):
    print(f"{step:4d}   {ws_right[step]:9.4f} {loss_np(ws_right[step]):8.4f}"
          f"   {ws_buggy[step]:9.4f} {loss_np(ws_buggy[step]):8.4f}")


def central_difference(f, w, h=1e-6):
    return (f(w + h) - f(w - h)) / (2 * h)


for w_test in [0.0, 0.5, 3.7]:
    numeric = central_difference(loss_np, w_test)
    print(f"w = {w_test}: numeric {numeric:9.4f}   gradient {gradient(w_test):9.4f}"
          f"   gradient_buggy {gradient_buggy(w_test):9.4f}"
          f"   ratio {gradient_buggy(w_test) / numeric:.4f}")

y_pred = 0.0 * x  # the predictions at w = 0
print("np.dot(2 * x, y_pred - y):         ", np.dot(2 * x, y_pred - y))
print("np.dot(2 * x, y_pred - y).mean():  ", np.dot(2 * x, y_pred - y).mean())
print("np.dot(2 * x, y_pred - y) / len(x):", np.dot(2 * x, y_pred - y) / len(x))

try:
    import matplotlib.pyplot as plt
except ImportError:
    print("(install matplotlib to see the plots)")
    plt = None
if plt is not None:
    grid = np.linspace(-0.3, 2.5, 200)
    fig, ax = plt.subplots(figsize=(6.5, 3.4))
    ax.plot(grid, [loss_np(g) for g in grid], color="gray", label="L(w)")
    ax.plot(grid[grid < 0.9], 30 - 30 * grid[grid < 0.9], linestyle="--",
            label="tangent at w = 0, slope -30")
    ax.annotate("", xy=(0.3, loss_np(0.3)), xytext=(0.0, 30.0),
                arrowprops={"arrowstyle": "->", "color": "C1", "linewidth": 2})
    ax.plot([0.0, 0.3], [30.0, loss_np(0.3)], "o", color="C1", label="w = 0, then w = 0.3")
    ax.set_xlabel("w")
    ax.set_ylabel("loss")
    ax.set_title("One gradient-descent step")
    ax.legend()
    fig.tight_layout()

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.3))
    for ax, lr, steps in zip(axes, [0.01, 0.05], [8, 5]):
        ax.axhline(2.0, color="gray", linewidth=1, linestyle="--")
        ax.plot(run(gradient, lr, steps), marker="o", markersize=3, label="correct gradient")
        ax.plot(run(gradient_buggy, lr, steps), marker="s", markersize=3, label="forgotten 1/N")
        ax.set_title(f"learning rate {lr}")
        ax.set_xlabel("step")
        ax.set_ylabel("w")
    axes[0].legend()
    fig.tight_layout()
    plt.show()

# -- With nn.MSELoss and optim.SGD -----------------------------------------------------------------
X = torch.tensor([1.0, 2.0, 3.0, 4.0])
Y = 2 * X
w = torch.tensor(0.0, requires_grad=True)

loss_fn = torch.nn.MSELoss()
optimizer = torch.optim.SGD([w], lr=0.01)

print(f"prediction before training: f(5) = {(w * 5).item():.3f}")
for step in range(1, 21):
    loss = loss_fn(w * X, Y)   # forward
    optimizer.zero_grad()      # forget the last step's gradient
    loss.backward()            # dloss/dw into w.grad
    optimizer.step()           # w = w - lr * w.grad
    if step <= 2 or step % 5 == 0:
        print(f"step {step:2d}: loss = {loss.item():9.6f}, then w = {w.item():.4f}, "
              f"f(5) = {(w * 5).item():.4f}")
print(f"prediction after training: f(5) = {(w * 5).item():.3f}")

w0 = torch.tensor(0.0, requires_grad=True)
print(torch.tape(loss_fn(w0 * X, Y), w=w0, X=X, Y=Y).backward())  # the graph, with adjoints

# -- A bias, and nn.Linear(1, 1) ------------------------------------------------------------------
Y2 = 2 * X + 1                    # now with an intercept
w = torch.tensor(0.0, requires_grad=True)
b = torch.tensor(0.0, requires_grad=True)

loss = ((w * X + b - Y2) ** 2).mean()
loss.backward()
print(f"loss {loss.item():.2f}, w.grad {w.grad.item():.2f}, b.grad {b.grad.item():.2f}")

optimizer = torch.optim.SGD([w, b], lr=0.05)
for _ in range(1000):
    loss = ((w * X + b - Y2) ** 2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(f"after 1000 steps: w = {w.item():.4f}, b = {b.item():.4f}, loss {loss.item():.2e}")

model = torch.nn.Linear(1, 1)     # f(x) = weight * x + bias, for inputs of one feature
print(model)
with torch.no_grad():             # start where w and b started, to compare
    model.weight.zero_()
    model.bias.zero_()
inputs, targets = X.reshape(-1, 1), Y2.reshape(-1, 1)   # (4, 1): one row per example
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
for _ in range(1000):
    loss = loss_fn(model(inputs), targets)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
for name, p in model.named_parameters():
    print(name, tuple(p.shape), f"{p.item():.4f}")
print(model(torch.tensor([[5.0]])))

# -- Exercise: the largest learning rates --------------------------------------------------------
for name, grad, limit in [("correct", gradient, 2 / 15), ("buggy", gradient_buggy, 2 / 60)]:
    for lr in [0.95 * limit, 1.05 * limit]:
        w_end = run(grad, lr, steps=50)[-1]
        print(f"{name:7} lr = {lr:.4f}: w after 50 steps = {w_end:.4g}")
