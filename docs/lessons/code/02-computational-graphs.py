"""Lesson 2 of the tinygrad_lite site: computational graphs and a first backward.

f = (x + y) * z at x = -2, y = 5, z = -4: forward values, local gradients, the chain rule by
hand, then the same with requires_grad, backward(), .grad, grad_fn and is_leaf; why q.grad is
None, retain_grad(), and q's adjoint read from the tape.

Run: python 02-computational-graphs.py   (needs numpy and tinygrad_lite).
"""

import warnings

import tinygrad_lite as torch
from tinygrad_lite import viz

# -- A formula as a graph: the forward pass -------------------------------------------------
x, y, z = -2.0, 5.0, -4.0
q = x + y  # 3.0
f = q * z  # -12.0
print(f"q = {q}, f = {f}")

# -- The chain rule, by hand -----------------------------------------------------------------
df_df = 1.0
df_dq = df_df * z  # node f = q * z: local gradients z (for q) and q (for z)
df_dz = df_df * q
df_dx = df_dq * 1.0  # node q = x + y: local gradients 1 and 1
df_dy = df_dq * 1.0
print(f"df/dq = {df_dq}, df/dx = {df_dx}, df/dy = {df_dy}, df/dz = {df_dz}")


def f_of(x, y, z):
    return (x + y) * z


h = 1e-6
print(f"df/dx ~ {(f_of(x + h, y, z) - f_of(x - h, y, z)) / (2 * h):.6f}")
print(f"df/dy ~ {(f_of(x, y + h, z) - f_of(x, y - h, z)) / (2 * h):.6f}")
print(f"df/dz ~ {(f_of(x, y, z + h) - f_of(x, y, z - h)) / (2 * h):.6f}")

# -- The same with tinygrad_lite -------------------------------------------------------------
x = torch.tensor(-2.0, requires_grad=True)
y = torch.tensor(5.0, requires_grad=True)
z = torch.tensor(-4.0, requires_grad=True)
q = x + y
f = q * z
print(q)
print(f)
print(viz.graph_text(f, adjoints=True, x=x, y=y, z=z, q=q))  # the graph, with adjoints
f.backward()
print(x.grad, y.grad, z.grad)

# -- grad_fn and is_leaf ---------------------------------------------------------------------
print("grad_fn:", f.grad_fn.name(), q.grad_fn.name(), x.grad_fn)
print("is_leaf: x", x.is_leaf, " q", q.is_leaf, " f", f.is_leaf)
for fn, _ in f.grad_fn.next_functions:
    print("f <-", fn.name())
for fn, _ in q.grad_fn.next_functions:
    print("q <-", fn.name())

a = torch.tensor(-2.0)  # no requires_grad
b = torch.tensor(5.0)
s = a * b
print(s, s.requires_grad, s.grad_fn)
try:
    s.backward()
except RuntimeError as e:
    print(f"RuntimeError: {e}")

# -- Why is q.grad None? -----------------------------------------------------------------------
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    print("q.grad:", q.grad)
print(f"UserWarning: {caught[0].message}")

# 1. retain_grad() before the backward pass
x = torch.tensor(-2.0, requires_grad=True)
y = torch.tensor(5.0, requires_grad=True)
z = torch.tensor(-4.0, requires_grad=True)
q = x + y
q.retain_grad()
f = q * z
f.backward()
print("q.grad:", q.grad, " is_leaf:", q.is_leaf, " retains_grad:", q.retains_grad)

# 2. q's adjoint, read from the tape
q = x + y
f = q * z
table = torch.tape(f, x=x, y=y, z=z, q=q, f=f).backward()
print(table)
print("adjoint of q:", table.adjoint(q))

# -- Exercise ----------------------------------------------------------------------------------
x = torch.tensor(3.0, requires_grad=True)
y = torch.tensor(-1.0, requires_grad=True)
z = torch.tensor(2.0, requires_grad=True)
p = x * y
p.retain_grad()
g = p + z
g.backward()
print(g)
print(x.grad, y.grad, z.grad, p.grad)
