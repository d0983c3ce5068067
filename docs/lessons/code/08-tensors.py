"""Lesson 8 of the tinygrad_lite site: tensors.

One derivative per element (why the gradient of mean(3 (x + 2)^2) at x = 1 is 4.5), the
gradient of broadcasting (it sums back), matmul's gradients from the shapes, backward of a
non-scalar with gradient= (the vector-Jacobian product), binary_cross_entropy_with_logits,
the model z = x @ w + b end to end, and clamp as a ReLU.

Run: python 08-tensors.py   (needs numpy and tinygrad_lite; matplotlib for the plot).
Every computation also runs with `import torch` in place of `import tinygrad_lite as torch`.
"""

import inspect

import numpy as np

import tinygrad_lite as torch
from tinygrad_lite import ops, viz

# -- One derivative per element -------------------------------------------------------------
x = torch.ones(2, 2, requires_grad=True)
y = x + 2
z = y * y * 3
out = z.mean()
print(out)
print(viz.graph_text(out, adjoints=True, x=x))  # the graph with its adjoints, as text
out.backward()
print(x.grad)  # 4.5 everywhere: (1/4) * 6 * (1 + 2)


def f(x):
    """The same function in NumPy."""
    return np.mean(3 * (x + 2) ** 2)


h = 1e-6
nudge = np.zeros((2, 2))
nudge[0, 1] = h  # move one element only
x0 = np.ones((2, 2))
print(f"d out / d x[0, 1] ≈ {(f(x0 + nudge) - f(x0 - nudge)) / (2 * h):.6f}")

x = torch.ones(2, 2, requires_grad=True)
(3 * (x + 2) ** 2).sum().backward()
print(x.grad)  # 18 everywhere: a sum has no 1/4

# -- Broadcasting: the gradient sums back -----------------------------------------------------
X = torch.tensor([[1.0, 2.0, 3.0],
                  [4.0, 5.0, 6.0]])  # a batch of 2 rows
b = torch.tensor([0.5, 0.0, -1.0], requires_grad=True)  # one bias per column
s = X + b  # b is copied into both rows
L = (s * s).sum()
print(s)
print(torch.tape(L, X=X, b=b).backward())  # the tape table with its adjoints
L.backward()
print(b.grad)
print((2 * s.detach()).sum(dim=0))  # 2s, summed over the rows

c = torch.tensor([[1.0], [10.0]], requires_grad=True)  # one scale per row
(X * c).sum().backward()
print(c.grad)  # row sums of X

print(inspect.getsource(ops.sum_to))

# -- Matrix multiplication: let the shapes decide --------------------------------------------
X = torch.arange(12.0).reshape(4, 3).requires_grad_()  # N = 4, D = 3
W = torch.tensor([[1.0, -1.0], [0.0, 2.0], [-2.0, 1.0]], requires_grad=True)  # M = 2
T = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, -1.0]])
Y = X @ W
L = (Y * T).sum()  # so G = dL/dY = T
L.backward()
print(W.grad)
with torch.no_grad():
    print(torch.allclose(W.grad, X.T @ T), torch.allclose(X.grad, T @ W.T))

G = T
with torch.no_grad():
    for name, product in [("X.T @ G", lambda: X.T @ G),
                          ("G.T @ X", lambda: G.T @ X),
                          ("X @ G", lambda: X @ G)]:
        try:
            print(f"{name}: shape {tuple(product().shape)}   (W has {tuple(W.shape)})")
        except RuntimeError as e:
            print(f"{name}: RuntimeError: {e}")

# -- A non-scalar output: gradient= ------------------------------------------------------------
A = torch.tensor([[1.0, 2.0, 3.0],
                  [0.0, 1.0, -1.0]])
x = torch.tensor([1.0, 1.0, 2.0], requires_grad=True)
y = A @ x
print(y)
try:
    y.backward()
except RuntimeError as e:
    print("RuntimeError:", e)

for v in ([1.0, 0.0], [0.0, 1.0], [1.0, 10.0]):
    x.grad = None
    y = A @ x
    y.backward(gradient=torch.tensor(v))
    print(f"v = {v}:  x.grad = {x.grad}")

y = A @ x
print(torch.tape(y, x=x, A=A).backward(torch.tensor([1.0, 10.0])))

# -- Binary cross entropy from logits ----------------------------------------------------------
F = torch.nn.functional  # the losses as functions

z = torch.tensor([-2.0, 0.0, 3.0, 40.0], requires_grad=True)  # logits
t = torch.tensor([0.0, 1.0, 1.0, 0.0])  # targets
loss = F.binary_cross_entropy_with_logits(z, t)
loss.backward()
print(loss)
print(z.grad)
with torch.no_grad():
    print((torch.sigmoid(z) - t) / 4)

z2 = torch.tensor([-2.0, 0.0, 3.0, 40.0], requires_grad=True)
loss2 = F.binary_cross_entropy(torch.sigmoid(z2), t)  # two steps: breaks at z = 40
loss2.backward()
print(loss2)
print(z2.grad)

# -- The plot (needs matplotlib) ---------------------------------------------------------------
try:
    import matplotlib.pyplot as plt
except ImportError:
    print("(install matplotlib to see the plot)")
else:
    grid = torch.linspace(-6, 6, 121)
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.4))
    for target, color in [(1.0, "C0"), (0.0, "C1")]:
        zs = grid.clone().requires_grad_()
        each = F.binary_cross_entropy_with_logits(zs, torch.full_like(zs, target),
                                                  reduction="none")
        each.backward(gradient=torch.ones_like(each))  # every d loss_i / d z_i at once
        left.plot(grid.numpy(), each.detach().numpy(), color=color,
                  label=f"target {target:.0f}")
        right.plot(grid.numpy(), zs.grad.numpy(), color=color, label=f"target {target:.0f}")
    left.set_xlabel("logit z")
    left.set_ylabel("loss")
    left.set_title("Loss of one example")
    right.set_xlabel("logit z")
    right.set_ylabel("d loss / d z = sigmoid(z) - target")
    right.set_title("Its gradient")
    for ax in (left, right):
        ax.axvline(0, color="gray", linewidth=0.5)
        ax.legend()
    fig.tight_layout()
    plt.show()

# -- A whole model: z = x @ w + b -----------------------------------------------------------------
torch.manual_seed(0)
x = torch.tensor([1.0, 0.5, -1.0, 2.0])      # one example, 4 features
y = torch.tensor([0.0, 1.0, 1.0])            # 3 yes/no targets
w = torch.randn(4, 3, requires_grad=True)    # weights
b = torch.randn(3, requires_grad=True)       # bias
z = x @ w + b                                # 3 logits
loss = F.binary_cross_entropy_with_logits(z, y)
print("z    =", z)
print("loss =", loss)
loss.backward()
print("w.grad =", w.grad)
print("b.grad =", b.grad)
with torch.no_grad():
    dz = (torch.sigmoid(z) - y) / 3                    # dL/dz
    print("w.grad is outer(x, dL/dz):", torch.allclose(w.grad, torch.outer(x, dz)))
    print("b.grad is dL/dz:          ", torch.allclose(b.grad, dz))

# -- clamp: a ReLU, and its gradient at the bounds ------------------------------------------------
t = torch.tensor([-1.0, 0.0, 0.5, 1.0, 2.0], requires_grad=True)
t.clamp(min=0.0, max=1.0).sum().backward()
print(t.clamp(min=0.0, max=1.0))
print("gradient of clamp(0, 1):", t.grad)
for name, relu in [("relu()", lambda v: v.relu()), ("clamp(min=0)", lambda v: v.clamp(min=0))]:
    v = torch.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    relu(v).sum().backward()
    print(f"{name:13s} {relu(v).grad_fn.name():15s} gradient {v.grad}")

# -- Exercise ------------------------------------------------------------------------------------
x = torch.tensor([[1.0], [2.0], [3.0]], requires_grad=True)
y = torch.tensor([[1.0, 10.0, 100.0, 1000.0]], requires_grad=True)
L = (x * y).mean()
L.backward()
print(x.grad)  # 1111 / 12 each, shape (3, 1)
print(y.grad)  # 6 / 12 each, shape (1, 4)
