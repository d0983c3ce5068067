"""Lesson 1 of the tinygrad_lite site: derivatives by hand.

Fit f(x) = w * x to data made by Y = 2X with a gradient derived by hand in NumPy, check the
derivative with a central finite difference, and plot the loss.

Run: python 01-derivatives-by-hand.py   (needs numpy; matplotlib for the plot;
tinygrad_lite for the last part).
"""

import numpy as np

# -- The data and the model ---------------------------------------------------------------
X = np.array([1.0, 2.0, 3.0, 4.0])
Y = 2 * X  # the targets: [2, 4, 6, 8]


def forward(w, x):
    """The model: one weight, no bias."""
    return w * x


def loss(w):
    """Mean squared error of the model with weight w on the whole data set."""
    return np.mean((forward(w, X) - Y) ** 2)


w = 0.0
print(f"prediction f(5) before training: {forward(w, 5.0):.3f}")
print(f"loss at w = 0: {loss(w):.3f}")


# -- The derivative, by hand: dL/dw = mean(2 x (w x - y)) -----------------------------------
def gradient(w):
    """dL/dw, derived by hand."""
    return np.mean(2 * X * (forward(w, X) - Y))


print(f"dL/dw at w = 0: {gradient(0.0):.3f}")


# -- Check it: a central finite difference --------------------------------------------------
def central_difference(f, w, h=1e-6):
    """(f(w + h) - f(w - h)) / 2h: the slope of f at w, numerically."""
    return (f(w + h) - f(w - h)) / (2 * h)


for w_test in [0.0, 0.5, 2.0, 3.7]:
    by_hand = gradient(w_test)
    numeric = central_difference(loss, w_test)
    rel = abs(by_hand - numeric) / max(abs(by_hand), abs(numeric), 1e-12)
    print(f"w = {w_test:3.1f}: by hand {by_hand:9.4f}   numeric {numeric:9.4f}   "
          f"relative error {rel:.1e}")

# -- Gradient descent ------------------------------------------------------------------------
learning_rate = 0.01
n_steps = 20

w = 0.0
ws, losses = [w], [loss(w)]
for step in range(1, n_steps + 1):
    w = w - learning_rate * gradient(w)  # the update rule
    ws.append(w)
    losses.append(loss(w))
    if step % 2 == 0:
        print(f"step {step:2d}: w = {w:.3f}, loss = {losses[-1]:.8f}")

print(f"prediction f(5) after training: {forward(w, 5.0):.3f}")

# -- Watch the loss fall (needs matplotlib) ------------------------------------------------
try:
    import matplotlib.pyplot as plt
except ImportError:
    print("(install matplotlib to see the plot)")
else:
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.4))
    left.plot(range(len(losses)), losses, marker="o", markersize=3)
    left.set_yscale("log")
    left.set_xlabel("step")
    left.set_ylabel("loss (log scale)")
    left.set_title("The loss at each step")
    grid = np.linspace(-0.5, 4.5, 200)
    right.plot(grid, [loss(g) for g in grid], color="gray", label="L(w)")
    right.plot(ws, losses, marker="o", markersize=3, color="C1", label="the steps")
    right.set_xlabel("w")
    right.set_ylabel("loss")
    right.set_title("Sliding down L(w)")
    right.legend()
    fig.tight_layout()
    plt.show()

# -- A preview: the tape does this for you (needs tinygrad_lite) ----------------------------
import tinygrad_lite as torch  # noqa: E402

Xt = torch.tensor(X)
Yt = torch.tensor(Y)
wt = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
L = ((wt * Xt - Yt) ** 2).mean()
print(L)
print(torch.tape(L, w=wt, X=Xt, Y=Yt).backward())  # the Wengert list with its adjoints
L.backward()
print(f"autograd: {wt.grad.item():.4f}   by hand: {gradient(0.0):.4f}")
