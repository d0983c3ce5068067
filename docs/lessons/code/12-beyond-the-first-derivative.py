"""Lesson 12 of the tinygrad_lite site: beyond the first derivative.

The backward pass recorded as a tape of its own (create_graph=True), second and third
derivatives, a Hessian and Newton's method, forward mode on dual numbers (by hand, then with
autograd.forward_ad), the cost of a Jacobian by columns (forward mode) against rows (reverse
mode), per-example gradients with func.grad and vmap, and gradcheck catching a wrong
autograd.Function.

Run: python 12-beyond-the-first-derivative.py   (needs numpy and tinygrad_lite; matplotlib for
the plots). The computations also run with `import torch` in place of
`import tinygrad_lite as torch`.
"""

# -- The backward pass is a tape too -------------------------------------------------------------
import math
import time

import numpy as np

import tinygrad_lite as torch

x = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
y = x * torch.sin(x)
(dy,) = torch.autograd.grad(y, x, create_graph=True)
print("dy/dx   =", dy)
print(torch.tape(dy, x=x, y=y, dy=dy))

(d2y,) = torch.autograd.grad(dy, x, create_graph=True)
(d3y,) = torch.autograd.grad(d2y, x)
print(f"second: {d2y.item():.12f}   by hand: {2 * math.cos(1.5) - 1.5 * math.sin(1.5):.12f}")
print(f"third:  {d3y.item():.12f}   by hand: {-3 * math.sin(1.5) - 1.5 * math.cos(1.5):.12f}")


# -- A Hessian, and Newton's method ----------------------------------------------------------------
def f(p):
    """A curved valley with its minimum at (1, 1)."""
    return (1 - p[0]) ** 2 + 5 * (p[1] - p[0] ** 2) ** 2


def gradient_and_hessian(p):
    p = p.detach().requires_grad_()
    (g,) = torch.autograd.grad(f(p), p, create_graph=True)
    rows = [torch.autograd.grad(g[i], p, retain_graph=True)[0] for i in range(len(p))]
    return g.detach(), torch.stack(rows)


p = torch.tensor([-1.2, 1.0], dtype=torch.float64)
g, H = gradient_and_hessian(p)
print("gradient:", g)
print("Hessian:\n", H)
print("same Hessian from autograd.functional:\n", torch.autograd.functional.hessian(f, p))

newton = [p]
for _ in range(9):
    g, H = gradient_and_hessian(p)
    p = p - torch.linalg.solve(H, g)
    newton.append(p)
    print(f"f = {f(p).item():.3e} at {p.tolist()}")

descent = [torch.tensor([-1.2, 1.0], dtype=torch.float64)]
for _ in range(200):
    q = descent[-1].detach().requires_grad_()
    (g,) = torch.autograd.grad(f(q), q)
    descent.append((q - 0.02 * g).detach())
print(f"gradient descent, 200 steps: f = {f(descent[-1]).item():.3e}")

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grid_x, grid_y = np.meshgrid(np.linspace(-1.6, 1.6, 200), np.linspace(-0.6, 2.2, 200))
    values = (1 - grid_x) ** 2 + 5 * (grid_y - grid_x ** 2) ** 2
    fig, ax = plt.subplots(figsize=(7, 4.6))
    ax.contour(grid_x, grid_y, values, levels=np.geomspace(0.01, 60, 14), colors="0.75")
    path = np.array([q.tolist() for q in descent])
    ax.plot(path[:, 0], path[:, 1], ".-", color="C0", label="gradient descent, 200 steps")
    path = np.array([q.tolist() for q in newton])
    ax.plot(path[:, 0], path[:, 1], "o-", color="C1", label="Newton, 9 steps")
    ax.plot([1], [1], "k*", markersize=12, label="minimum (1, 1)")
    ax.legend(loc="lower right")
    fig.tight_layout()
    plt.show()
except ImportError:
    pass


# -- Forward mode on dual numbers --------------------------------------------------------------
class Dual:
    """A number a + b·ε with ε² = 0: the value and its derivative travel together."""

    def __init__(self, value, tangent=0.0):
        self.value, self.tangent = value, tangent

    def __add__(self, other):
        other = other if isinstance(other, Dual) else Dual(other)
        return Dual(self.value + other.value, self.tangent + other.tangent)

    def __mul__(self, other):
        other = other if isinstance(other, Dual) else Dual(other)
        return Dual(self.value * other.value,
                    self.tangent * other.value + self.value * other.tangent)

    __radd__, __rmul__ = __add__, __mul__


def sin(d):
    return Dual(math.sin(d.value), math.cos(d.value) * d.tangent)


d = Dual(1.5, 1.0)      # x = 1.5, dx/dx = 1
out = d * sin(d)
print(f"value {out.value:.6f}, derivative {out.tangent:.6f}")

import tinygrad_lite.autograd.forward_ad as fwAD  # noqa: E402

with fwAD.dual_level():
    x = fwAD.make_dual(torch.tensor(1.5, dtype=torch.float64),
                       torch.tensor(1.0, dtype=torch.float64))
    y = x * torch.sin(x)
    primal, tangent = fwAD.unpack_dual(y)
print("forward_ad:", primal, tangent)
print("a record on the tape?", y.grad_fn)


# -- Columns or rows: the cost of a Jacobian ---------------------------------------------------
def layer(n_in, n_out):
    w = torch.tensor(np.random.default_rng(0).standard_normal((n_out, n_in)) / n_in ** 0.5)
    return lambda v: torch.tanh(w @ v)


def jacobian_by_rows(fn, v):
    """Reverse mode: one vector-Jacobian product (a backward pass) per output."""
    v = v.detach().requires_grad_()
    out = fn(v)
    return torch.stack([torch.autograd.grad(out[i], v, retain_graph=True)[0]
                        for i in range(len(out))])


def jacobian_by_columns(fn, v):
    """Forward mode: one Jacobian-vector product (a forward pass with tangents) per input."""
    columns = []
    with fwAD.dual_level():
        for j in range(len(v)):
            tangent = torch.zeros_like(v)
            tangent[j] = 1.0
            columns.append(fwAD.unpack_dual(fn(fwAD.make_dual(v, tangent))).tangent)
    return torch.stack(columns, dim=1)


fn = layer(3, 5)
v = torch.ones(3, dtype=torch.float64)
print(jacobian_by_rows(fn, v))
print("rows and columns agree:",
      torch.allclose(jacobian_by_rows(fn, v), jacobian_by_columns(fn, v)))


def best_time(jac, fn, v, repeat=5):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        jac(fn, v)
        times.append(time.perf_counter() - start)
    return min(times)


sizes = [1, 2, 4, 8, 16, 32, 64]
print("  n_in n_out   rows (ms)  columns (ms)")
timings = {}
for shape in ("tall", "wide"):
    for k in sizes:
        n_in, n_out = (4, k) if shape == "tall" else (k, 4)
        fn, v = layer(n_in, n_out), torch.ones(n_in, dtype=torch.float64)
        rows, columns = best_time(jacobian_by_rows, fn, v), best_time(jacobian_by_columns, fn, v)
        timings[shape, k] = rows, columns
        print(f"{n_in:6d} {n_out:5d} {rows * 1e3:10.2f} {columns * 1e3:12.2f}")
rows, columns = timings["tall", 4]
print(f"4 inputs and 4 outputs: by columns {columns / rows:.1f} times the time by rows")


# -- Per-example gradients: func.grad and vmap --------------------------------------------------
from tinygrad_lite.func import grad, vmap  # noqa: E402

rng = np.random.default_rng(1)
X = torch.tensor(rng.standard_normal((6, 3)))
Y = torch.tensor(rng.standard_normal(6))
w = torch.tensor([0.5, -0.2, 0.1], dtype=torch.float64)


def loss(w, x, y):
    return (torch.dot(w, x) - y) ** 2


per_example = vmap(grad(loss), in_dims=(None, 0, 0))(w, X, Y)
print(per_example)
looped = torch.stack([grad(loss)(w, X[i], Y[i]) for i in range(len(X))])
print("same as a loop:", torch.allclose(per_example, looped))
print("their mean is the batch gradient:",
      torch.allclose(per_example.mean(0), grad(lambda w: ((X @ w - Y) ** 2).mean())(w)))


# -- gradcheck catches a wrong backward ----------------------------------------------------------
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


x = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True)
print(torch.autograd.gradcheck(Sigmoid.apply, (x,)))
try:
    torch.autograd.gradcheck(BuggySigmoid.apply, (x,))
except RuntimeError as e:
    print(type(e).__name__ + ":", e)
print(torch.autograd.gradgradcheck(Sigmoid.apply, (x,)))
