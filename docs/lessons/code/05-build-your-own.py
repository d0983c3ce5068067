"""Lesson 5 of the tinygrad_lite site: build your own autograd.

A complete tape autograd for scalars in about 50 lines, checked against tinygrad_lite and
central differences; the library's own backward loop; a primitive of your own with
autograd.Function (the sigmoid as one record).

Run: python 05-build-your-own.py   (needs tinygrad_lite, which needs numpy).
"""

import inspect
import math

import tinygrad_lite as torch
from tinygrad_lite import ops
from tinygrad_lite._tensor import inputs

# -- The whole engine ------------------------------------------------------------------------
TAPE = []  # the Wengert list: every computed Var, in the order it was made


class Var:
    """A number that remembers how it was computed."""

    def __init__(self, value, inputs=(), local_grads=(), op="input"):
        self.value = value
        self.inputs = inputs            # the Vars it was computed from
        self.local_grads = local_grads  # d self / d input, one number per input
        self.op = op
        self.grad = 0.0                 # the adjoint d output / d self, set by backward()
        if inputs:
            TAPE.append(self)           # recording: one new line of the Wengert list

    def __add__(self, other):
        other = other if isinstance(other, Var) else Var(other)
        return Var(self.value + other.value, (self, other), (1.0, 1.0), "add")

    def __mul__(self, other):
        other = other if isinstance(other, Var) else Var(other)
        return Var(self.value * other.value, (self, other), (other.value, self.value), "mul")

    def __pow__(self, n):  # n is a plain number
        return Var(self.value**n, (self,), (n * self.value ** (n - 1),), f"pow {n}")

    def exp(self):
        e = math.exp(self.value)
        return Var(e, (self,), (e,), "exp")

    __radd__, __rmul__ = __add__, __mul__

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-other)

    def __truediv__(self, other):
        return self * other**-1

    def __rtruediv__(self, other):
        return other * self**-1

    def backward(self):
        self.grad = 1.0                                   # d out / d out
        for v in reversed(TAPE[: TAPE.index(self) + 1]):  # the list, newest first
            for x, local in zip(v.inputs, v.local_grads):
                x.grad += local * v.grad                  # chain rule; += for fan-out


# -- Try it on q = x + y, f = q * z ------------------------------------------------------------
TAPE.clear()  # a fresh tape for a new computation
x, y, z = Var(-2.0), Var(5.0), Var(-4.0)
q = x + y
f = q * z
f.backward()
print(f"f = {f.value}")
print(f"df/dx = {x.grad}, df/dy = {y.grad}, df/dz = {z.grad}")
for i, v in enumerate(TAPE):
    print(f"record {i}: {v.op:4}  value {v.value:6.1f}   adjoint {v.grad:5.1f}")

# -- The sigmoid neuron, checked ---------------------------------------------------------------
TAPE.clear()
w0, x0, w1, x1, w2 = Var(2.0), Var(-1.0), Var(-3.0), Var(-2.0), Var(-3.0)
s = w0 * x0 + w1 * x1 + w2
out = 1 / (1 + (-s).exp())
out.backward()
ours = [v.grad for v in (w0, x0, w1, x1, w2)]
print(f"our engine:    out = {out.value:.4f}, {len(TAPE)} records")

leaves = [torch.tensor(v, requires_grad=True) for v in (2.0, -1.0, -3.0, -2.0, -3.0)]
tw0, tx0, tw1, tx1, tw2 = leaves
tout = 1 / (1 + torch.exp(-(tw0 * tx0 + tw1 * tx1 + tw2)))
tout.backward()
print(f"tinygrad_lite: out = {tout.item():.4f}")


def neuron(w0, x0, w1, x1, w2):
    """The same function on plain floats, for the finite differences."""
    return 1 / (1 + math.exp(-(w0 * x0 + w1 * x1 + w2)))


point, h = [2.0, -1.0, -3.0, -2.0, -3.0], 1e-6
for k, name in enumerate(["w0", "x0", "w1", "x1", "w2"]):
    up, down = list(point), list(point)
    up[k] += h
    down[k] -= h
    numeric = (neuron(*up) - neuron(*down)) / (2 * h)
    print(f"d out/d {name}: ours {ours[k]:8.5f}   tinygrad_lite {leaves[k].grad.item():8.5f}"
          f"   central difference {numeric:8.5f}")

# -- The library's engine, reduced to its idea, and multiplication's rule ----------------------
def backward_reduced(root):
    """tinygrad_lite's backward, reduced to its idea: {leaf: adjoint}."""
    records, stack, seen = [], [root], set()
    while stack:                                      # 1. collect what root depends on
        t = stack.pop()
        if id(t) not in seen:
            seen.add(id(t))
            records.append(t)
            stack.extend(inputs(t))                   # a leaf has no inputs
    records.sort(key=lambda t: t._seq, reverse=True)  # 2. newest first: your reversed(TAPE)
    adjoint = {id(root): 1.0}
    for t in records:                                 # 3. one rule per record
        if t._op is None or id(t) not in adjoint:     # a leaf, or nothing flowed here
            continue
        ins = inputs(t)
        grads = t._op.backward(t._ctx, adjoint[id(t)], t._data, *[x._data for x in ins])
        for x, g in zip(ins, grads if len(ins) > 1 else (grads,)):
            if x.requires_grad and g is not None:
                adjoint[id(x)] = adjoint.get(id(x), 0.0) + g   # fan-out adds up
    return adjoint


leaves = [torch.tensor(v, requires_grad=True) for v in (2.0, -1.0, -3.0, -2.0, -3.0)]
tw0, tx0, tw1, tx1, tw2 = leaves
tout = 1 / (1 + torch.exp(-(tw0 * tx0 + tw1 * tx1 + tw2)))
reduced = backward_reduced(tout)
tout.backward()
for name, leaf in zip(["w0", "x0", "w1", "x1", "w2"], leaves):
    print(f"d out/d {name}: reduced sweep {float(reduced[id(leaf)]):8.5f}   "
          f"backward() {leaf.grad.item():8.5f}")
print(inspect.getsource(ops.Mul))


# -- A primitive of your own: autograd.Function ------------------------------------------------
z = torch.tensor(1.0, requires_grad=True)
a = 1 / (1 + torch.exp(-z))
print(a)
print(torch.tape(a, z=z).backward())  # five records, with their adjoints


class Sigmoid(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        out = 1 / (1 + torch.exp(-x))
        ctx.save_for_backward(out)  # all that backward needs
        return out

    @staticmethod
    def backward(ctx, grad_out):
        (out,) = ctx.saved_tensors
        return grad_out * out * (1 - out)  # adjoint x local derivative


b = Sigmoid.apply(z)
print(b)
print(torch.tape(b, z=z).backward())  # one record

for t in leaves:
    t.grad = None
tout = Sigmoid.apply(tw0 * tx0 + tw1 * tx1 + tw2)
tout.backward()
print(tout)
print("with Sigmoid.apply:", [round(t.grad.item(), 4) for t in leaves])
print("our engine:        ", [round(g, 4) for g in ours])
print(torch.tape(tout, w0=tw0, x0=tx0, w1=tw1, x1=tx1, w2=tw2))

try:
    tout.backward()
except RuntimeError as e:
    print(f"RuntimeError: {e}")


# -- Exercise: tanh ----------------------------------------------------------------------------
def tanh(self):
    t = math.tanh(self.value)
    return Var(t, (self,), (1 - t * t,), "tanh")


Var.tanh = tanh

TAPE.clear()
w, x, b = Var(0.5), Var(2.0), Var(-0.3)
t = (w * x + b).tanh()
t.backward()

tw, tx, tb = (torch.tensor(v, requires_grad=True) for v in (0.5, 2.0, -0.3))
torch.tanh(tw * tx + tb).backward()

h = 1e-6
numeric_w = (math.tanh((0.5 + h) * 2 - 0.3) - math.tanh((0.5 - h) * 2 - 0.3)) / (2 * h)
print(f"t = {t.value:.4f}")
print(f"ours:          dw {w.grad:.4f}  dx {x.grad:.4f}  db {b.grad:.4f}")
print(f"tinygrad_lite: dw {tw.grad.item():.4f}  dx {tx.grad.item():.4f}  db {tb.grad.item():.4f}")
print(f"central difference for w: {numeric_w:.4f}")
