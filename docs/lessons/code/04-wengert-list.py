"""Lesson 4 of the tinygrad_lite site: the Wengert list.

A diamond graph (b = a + a feeding two branches) backpropagated in a naive order, going wrong;
the rule every correct order follows; the same computation recorded on the tape, read as a
table and replayed in reverse by hand; the example of Baydin et al. (2018).

Run: python 04-wengert-list.py   (needs numpy and tinygrad_lite).
"""

import math

import tinygrad_lite as torch
from tinygrad_lite import viz

# -- A diamond ---------------------------------------------------------------------------------
a = torch.tensor(1.0, requires_grad=True)
b = a + a
c = b * 3
d = b * b
e = c + d
print(e)
print(viz.graph_text(e, a=a, b=b, c=c, d=d, e=e))

# -- Backpropagation in a naive order -----------------------------------------------------------
av = 1.0
bv = av + av
cv = 3 * bv
dv = bv * bv
ev = cv + dv

inputs = {  # node: [(input, d node / d input), ...]
    "e": [("c", 1.0), ("d", 1.0)],  # e = c + d
    "d": [("b", bv), ("b", bv)],  # d = b * b: each factor gets the other one
    "c": [("b", 3.0)],  # c = 3 * b
    "b": [("a", 1.0), ("a", 1.0)],  # b = a + a
}


def backprop(order):
    """Visit the nodes in `order`; each sends its adjoint to its inputs."""
    adjoint = {"a": 0.0, "b": 0.0, "c": 0.0, "d": 0.0, "e": 1.0}
    for node in order:
        for name, local in inputs[node]:
            adjoint[name] += adjoint[node] * local
    return adjoint


print(backprop(["e", "c", "b", "d"]))  # depth first: wrong, a gets 6
print(backprop(["e", "d", "c", "b"]))  # b after both of its users: a gets 14

# -- The tape is a Wengert list -----------------------------------------------------------------
tape = torch.tape(e, a=a, b=b, c=c, d=d, e=e)
print(tape)

# -- Replaying the tape by hand -------------------------------------------------------------------
value = {r.name: r.value.item() for r in tape}
rules = {  # local gradients of each primitive
    "AddBackward0": lambda u, v: (1.0, 1.0),  # add distributes
    "MulBackward0": lambda u, v: (v, u),  # mul swaps
}
adjoint = {r.name: 0.0 for r in tape}
adjoint["e"] = 1.0
for r in reversed(tape.records):  # newest record first
    if r.op == "input":
        continue
    args = [value[n] if n in value else float(n) for n in r.inputs]  # "3" is a constant
    for name, local in zip(r.inputs, rules[r.op](*args)):
        if name in adjoint:
            adjoint[name] += adjoint[r.name] * local
    print(f"{r.name} = {r.op}({', '.join(r.inputs)})  ->  {adjoint}")

print(torch.tape(e, a=a, b=b, c=c, d=d, e=e).backward())  # the library's replay
e.backward()
print(a.grad)
try:
    torch.tape(e, a=a).backward()  # the saved values are gone
except RuntimeError as err:
    print(f"RuntimeError: {err}")

# -- A classic: the example of Baydin et al. ----------------------------------------------------
x1 = torch.tensor(2.0, requires_grad=True)
x2 = torch.tensor(5.0, requires_grad=True)
v1 = torch.log(x1)
v2 = x1 * x2
v3 = torch.sin(x2)
v4 = v1 + v2
v5 = v4 - v3
print(v5)
print(torch.tape(v5, x1=x1, x2=x2, v1=v1, v2=v2, v3=v3, v4=v4, v5=v5).backward())

X1, X2 = 2.0, 5.0
a5 = 1.0  # y = v5
a4, a3 = a5, -a5  # v5 = v4 - v3
a1, a2 = a4, a4  # v4 = v1 + v2
ax2 = a3 * math.cos(X2)  # v3 = sin(x2)
ax1 = a2 * X2  # v2 = x1 * x2 ...
ax2 += a2 * X1  # ... x2's second contribution
ax1 += a1 / X1  # v1 = ln(x1): x1's second contribution
print(f"dy/dx1 = {ax1:.4f}, dy/dx2 = {ax2:.4f}")

v5.backward()
print(x1.grad, x2.grad)

# -- Exercise --------------------------------------------------------------------------------------
for order in (["e", "c", "d", "b"], ["e", "d", "b", "c"], ["d", "e", "c", "b"]):
    print(", ".join(order), "->", backprop(order)["a"])
