"""Lesson 3 of the tinygrad_lite site: gates and patterns.

The sigmoid neuron out = sigmoid(w0*x0 + w1*x1 + w2) backpropagated by hand and on the tape;
the sigmoid's local gradient s(1 - s); SigmoidBackward0 and the numbers in grad_fn names; add
distributes, mul swaps, max routes; a value used twice gets the sum of its gradients (+=).

Run: python 03-gates-and-patterns.py   (needs numpy and tinygrad_lite; matplotlib for the plot).
"""

import math

import numpy as np

import tinygrad_lite as torch
from tinygrad_lite import viz

# -- A neuron, forward ------------------------------------------------------------------------
w0, x0, w1, x1, w2 = 2.0, -1.0, -3.0, -2.0, -3.0
a = w0 * x0  # -2
b = w1 * x1  # 6
dot = a + b + w2  # 1
out = 1.0 / (1.0 + math.exp(-dot))
print(f"a = {a}, b = {b}, dot = {dot}, out = {out:.4f}")

# -- The sigmoid's local gradient: s(1 - s) ----------------------------------------------------
local = out * (1 - out)
print(f"sigma'(1) = {local:.4f}")

try:
    import matplotlib.pyplot as plt
except ImportError:
    print("(install matplotlib to see the plot)")
else:
    zs = np.linspace(-6, 6, 241)
    s = 1 / (1 + np.exp(-zs))
    fig, ax = plt.subplots(figsize=(7, 3.4))
    ax.plot(zs, s, label="σ(z)")
    ax.plot(zs, s * (1 - s), label="σ'(z) = σ(z)(1 − σ(z))")
    ax.plot([dot], [out], "o", color="C0")
    ax.plot([dot], [local], "o", color="C1")
    ax.axhline(0.25, color="C1", linewidth=0.8, linestyle="--")
    ax.set_xlabel("z")
    ax.set_title("The sigmoid and its local gradient")
    ax.legend(loc="upper left")
    fig.tight_layout()
    plt.show()

# -- Backpropagating the neuron by hand ---------------------------------------------------------
d_out = 1.0
d_dot = out * (1 - out) * d_out  # sigmoid: s(1 - s)
d_a = d_dot  # add: every input gets the adjoint unchanged
d_b = d_dot
d_w2 = d_dot
d_w0 = x0 * d_a  # mul: each input gets the *other* input times the adjoint
d_x0 = w0 * d_a
d_w1 = x1 * d_b
d_x1 = w1 * d_b
print(f"d_dot = {d_dot:.4f}")
print(f"d_w0 = {d_w0:.4f}, d_x0 = {d_x0:.4f}")
print(f"d_w1 = {d_w1:.4f}, d_x1 = {d_x1:.4f}, d_w2 = {d_w2:.4f}")


def neuron(w0, x0, w1, x1, w2):
    return 1.0 / (1.0 + math.exp(-(w0 * x0 + w1 * x1 + w2)))


point = [w0, x0, w1, x1, w2]
by_hand = [d_w0, d_x0, d_w1, d_x1, d_w2]
h = 1e-6
for i, name in enumerate(["w0", "x0", "w1", "x1", "w2"]):
    up, down = list(point), list(point)
    up[i] += h
    down[i] -= h
    numeric = (neuron(*up) - neuron(*down)) / (2 * h)
    print(f"d_{name}: by hand {by_hand[i]:8.5f}   numeric {numeric:8.5f}")

# -- The neuron on the tape ---------------------------------------------------------------------
try:
    torch.tensor(2, requires_grad=True)
except RuntimeError as e:
    print(f"RuntimeError: {e}")

tw0 = torch.tensor(2.0, requires_grad=True)
tx0 = torch.tensor(-1.0, requires_grad=True)
tw1 = torch.tensor(-3.0, requires_grad=True)
tx1 = torch.tensor(-2.0, requires_grad=True)
tw2 = torch.tensor(-3.0, requires_grad=True)
tout = torch.sigmoid(tw0 * tx0 + tw1 * tx1 + tw2)
print(tout)
print(viz.graph_text(tout, adjoints=True, w0=tw0, x0=tx0, w1=tw1, x1=tx1, w2=tw2, out=tout))
tout.backward()
print("w0, x0:", tw0.grad, tx0.grad)
print("w1, x1:", tw1.grad, tx1.grad)
print("w2:    ", tw2.grad)

long_out = 1 / (1 + torch.exp(-(tw0 * tx0 + tw1 * tx1 + tw2)))  # the sigmoid from small gates
table = torch.tape(long_out, w0=tw0, x0=tx0, w1=tw1, x1=tx1, w2=tw2).backward()
print(table)

# -- SigmoidBackward or SigmoidBackward0? ------------------------------------------------------
t = torch.tensor(3.0, requires_grad=True)
print("t ** 2:", (t**2).grad_fn.name())  # tensor ** number
print("t ** t:", (t**t).grad_fn.name())  # tensor ** tensor
print("2 ** t:", (2**t).grad_fn.name())  # number ** tensor
print("sigmoid:", torch.sigmoid(t).grad_fn.name())

# -- Three patterns: add distributes, mul swaps, max routes ----------------------------------
x = torch.tensor(3.0, requires_grad=True)
y = torch.tensor(-2.0, requires_grad=True)
z = torch.tensor(1.0, requires_grad=True)
w = torch.tensor(5.0, requires_grad=True)
f = (x * y + torch.max(z, w)) * 2
print(f)
print(viz.graph_text(f, adjoints=True, x=x, y=y, z=z, w=w))
f.backward()
print(f"x.grad = {x.grad.item()}, y.grad = {y.grad.item()}")
print(f"z.grad = {z.grad.item()}, w.grad = {w.grad.item()}")

# -- When a value is used twice: gradients add -------------------------------------------------
xv, yv = 3.0, 4.0
p = xv * yv  # gate 1: p = x * y
g = p + xv  # gate 2: g = p + x   (x is used a second time)

d_g = 1.0
d_p = d_g  # gate 2 (add), input p
d_x = d_g  # gate 2 (add), input x
d_x = yv * d_p  # gate 1 (mul), input x: overwrites the 1 from gate 2!
print(f"with  = : dg/dx = {d_x}")

d_x = 0.0
d_p = d_g
d_x += d_g  # from gate 2
d_x += yv * d_p  # from gate 1
print(f"with += : dg/dx = {d_x}")

x = torch.tensor(3.0, requires_grad=True)
y = torch.tensor(4.0, requires_grad=True)
g = x * y + x
g.backward()
print(x.grad, y.grad)

# -- Exercise -------------------------------------------------------------------------------------
a = torch.tensor(1.0, requires_grad=True)
b = torch.tensor(2.0, requires_grad=True)
c = torch.tensor(-1.0, requires_grad=True)
g = (a + b) * torch.max(b, c)
g.backward()
print(g)
print(a.grad, b.grad, c.grad)
