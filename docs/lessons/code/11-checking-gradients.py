"""Lesson 11 of the tinygrad_lite site: checking gradients.

Forward and central differences against autograd (float64 and float32), the relative error,
a gradient checker for tensors used on a small network, float32 fooling the check, a wrong
autograd.Function backward caught, and kinks (relu, clamp, maximum, abs) where the check
gives false alarms.

Run: python 11-checking-gradients.py   (needs numpy and tinygrad_lite; matplotlib for the
plots). The computations also run with `import torch` in place of `import tinygrad_lite as torch`.
"""

# -- Central differences, and the size of the step -----------------------------------------------
import numpy as np

import tinygrad_lite as torch


def f(x):
    return x ** 2 * np.tanh(x)


x0 = 0.7
x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
(x ** 2 * torch.tanh(x)).backward()
exact = x.grad.item()
print(f"autograd: f'(0.7) = {exact:.15f}")

print("     h    error forward   error central   error central (float32)")
for h in [1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-10]:
    forward = (f(x0 + h) - f(x0)) / h
    central = (f(x0 + h) - f(x0 - h)) / (2 * h)
    x32, h32 = np.float32(x0), np.float32(h)
    central32 = (f(x32 + h32) - f(x32 - h32)) / (2 * h32)
    print(f"{h:6.0e} {abs(forward - exact):13.1e} {abs(central - exact):15.1e}"
          f" {abs(float(central32) - exact):17.1e}")


# -- A gradient checker for tensors: the in-place nudge fails ------------------------------------
w = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True)
step = torch.tensor([1e-6, 0.0, 0.0], dtype=torch.float64)
try:
    w += step                      # nudge w[0], in place
except RuntimeError as e:
    print("RuntimeError:", e)


def check_gradient(func, x, h=1e-6):
    """Relative error between autograd's gradient of the scalar func(x) and central differences."""
    x = x.detach().requires_grad_()
    func(x).backward()
    analytic = x.grad.numpy()
    numeric = np.zeros(x.shape)
    with torch.no_grad():
        for i in np.ndindex(*x.shape):           # every element of x in turn
            step = torch.zeros_like(x)
            step[i] = h
            numeric[i] = (func(x + step) - func(x - step)).item() / (2 * h)
    return (np.linalg.norm(analytic - numeric)
            / max(np.linalg.norm(analytic), np.linalg.norm(numeric)))


# -- A small network in float64 ------------------------------------------------------------------
rng = np.random.default_rng(0)
X = torch.tensor(rng.standard_normal((5, 4)))            # float64, from NumPy
Y = torch.tensor(rng.standard_normal((5, 2)))
W1 = torch.tensor(rng.standard_normal((4, 3)))
W2 = torch.tensor(rng.standard_normal((3, 2)))


def loss_of_w1(w1):
    return ((torch.tanh(X @ w1) @ W2 - Y) ** 2).mean()


def loss_of_w2(w2):
    return ((torch.tanh(X @ W1) @ w2 - Y) ** 2).mean()


print(f"W1: relative error {check_gradient(loss_of_w1, W1):.1e}")
print(f"W2: relative error {check_gradient(loss_of_w2, W2):.1e}")


# -- float32 fools the check ---------------------------------------------------------------------
X32, Y32, W1_32, W2_32 = X.float(), Y.float(), W1.float(), W2.float()


def loss32_of_w1(w1):
    return ((torch.tanh(X32 @ w1) @ W2_32 - Y32) ** 2).mean()


for h in (1e-6, 1e-4, 1e-2):
    print(f"float32, h = {h:.0e}: relative error {check_gradient(loss32_of_w1, W1_32, h):.1e}")


# -- A check that catches a bug ------------------------------------------------------------------
class Sigmoid(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        s = 1 / (1 + torch.exp(-x))
        ctx.save_for_backward(s)
        return s

    @staticmethod
    def backward(ctx, grad_output):
        (s,) = ctx.saved_tensors
        return grad_output * s * (1 - s)


class BuggySigmoid(Sigmoid):
    @staticmethod
    def backward(ctx, grad_output):
        (s,) = ctx.saved_tensors
        return grad_output * s          # forgot (1 - s)


x = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64)
for fn in (Sigmoid, BuggySigmoid):
    error = check_gradient(lambda t: fn.apply(t).sum(), x)
    print(f"{fn.__name__:12s}  relative error {error:.1e}")


# -- Kinks: three ReLUs at 0 ---------------------------------------------------------------------
relus = {"x.relu()": lambda t: t.relu(),
         "x.clamp(min=0)": lambda t: t.clamp(min=0),
         "torch.maximum(x, 0)": lambda t: torch.maximum(t, torch.zeros_like(t))}
h = 1e-6
for name, relu in relus.items():
    z = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    relu(z).backward()
    plus = relu(torch.tensor(h, dtype=torch.float64))
    minus = relu(torch.tensor(-h, dtype=torch.float64))
    numeric = ((plus - minus) / (2 * h)).item()
    print(f"{name:20s} autograd {z.grad.item():.1f}   central difference {numeric:.1f}")


z = torch.tensor(1e-7, dtype=torch.float64, requires_grad=True)
z.relu().backward()
numeric = ((z + h).relu() - (z - h).relu()).item() / (2 * h)
print(f"autograd {z.grad.item():.2f}   central difference {numeric:.2f}")


# -- Exercise: abs near its kink -----------------------------------------------------------------
v = torch.tensor([0.0, 1e-7, 1.0], dtype=torch.float64)
print(f"relative error {check_gradient(lambda t: t.abs().sum(), v):.2f}")
print(f"away from the kink: {check_gradient(lambda t: t.abs().sum(), v + 0.5):.1e}")

# -- The plots (need matplotlib) ---------------------------------------------------------------
try:
    import matplotlib.pyplot as plt
except ImportError:
    print("(install matplotlib to see the plots)")
else:
    def central32(h):
        x32, h32 = np.float32(x0), np.float32(h)
        return float((f(x32 + h32) - f(x32 - h32)) / (2 * h32))

    hs = np.logspace(-1, -12, 45)
    err_forward = [abs((f(x0 + h) - f(x0)) / h - exact) for h in hs]
    err_central = [abs((f(x0 + h) - f(x0 - h)) / (2 * h) - exact) for h in hs]
    err_central32 = [abs(central32(h) - exact) for h in hs]

    fig, ax = plt.subplots(figsize=(7, 3.6))
    ax.loglog(hs, err_forward, label="forward, float64")
    ax.loglog(hs, err_central, label="central, float64")
    ax.loglog(hs, err_central32, label="central, float32")
    ax.invert_xaxis()
    ax.set_xlabel("step h (smaller to the right)")
    ax.set_ylabel("error of the derivative")
    ax.set_title("Too large a step: curvature. Too small: rounding.")
    ax.legend()
    fig.tight_layout()

    x_at, h_big = 0.2, 0.5
    grid = np.linspace(-1, 1, 201)
    secant_slope = (max(x_at + h_big, 0) - max(x_at - h_big, 0)) / (2 * h_big)
    fig, ax = plt.subplots(figsize=(6, 3.4))
    ax.plot(grid, np.maximum(grid, 0), color="gray", label="relu(x)")
    ax.plot([x_at - h_big, x_at + h_big], [max(x_at - h_big, 0), max(x_at + h_big, 0)], "o-",
            color="C1", label=f"central difference: slope {secant_slope:.2f}")
    ax.plot(grid, x_at + (grid - x_at), "--", color="C0", label="true slope at x = 0.2: 1")
    ax.set_ylim(-0.3, 1.1)
    ax.set_xlabel("x")
    ax.set_title("A kink inside [x - h, x + h]")
    ax.legend(loc="upper left")
    fig.tight_layout()
    plt.show()
