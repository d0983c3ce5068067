"""Lesson 6 of the tinygrad_lite site: gradients accumulate.

.grad adds up across backward calls; forgetting to zero it; when retain_graph=True is needed;
updating a weight with no_grad, .data or detach(); requires_grad; the three common errors;
when in-place bites (version counters, clone(), CopySlices, .data against detach()); the old
Variable.

Run: python 06-gradients-accumulate.py   (needs tinygrad_lite; matplotlib for the plot).
"""

import warnings

import tinygrad_lite as torch
from tinygrad_lite import viz
from tinygrad_lite.autograd import Variable  # PyTorch: from torch.autograd import Variable

# -- .grad adds up ---------------------------------------------------------------------------
x = torch.tensor(3.0, requires_grad=True)
y = x * x
y.backward(retain_graph=True)
print("after one backward: ", x.grad)
y.backward()
print("after two backwards:", x.grad)
x.grad.zero_()
print("after zero_():      ", x.grad)

w = torch.tensor(1.5, requires_grad=True)
h = w * 2.0
loss1 = h**2   # d loss1/dw = 2h * 2 = 12
loss2 = 3 * h  # d loss2/dw = 3 * 2 = 6
loss1.backward(retain_graph=True)
loss2.backward()
print("two backwards:      ", w.grad)
w.grad = None
h = w * 2.0
(h**2 + 3 * h).backward()
print("one backward of sum:", w.grad)

# -- Forgetting to zero ------------------------------------------------------------------------
X = torch.tensor([1.0, 2.0, 3.0, 4.0])
Y = 2 * X


def train(zero_grad, steps=40, lr=0.01):
    """Gradient descent on the mean squared error; returns w and the gradient used, per step."""
    w = torch.tensor(0.0, requires_grad=True)
    ws, grads = [w.item()], []
    for _ in range(steps):
        loss = ((w * X - Y) ** 2).mean()
        loss.backward()
        grads.append(w.grad.item())
        with torch.no_grad():
            w -= lr * w.grad
        if zero_grad:
            w.grad.zero_()
        ws.append(w.item())
    return ws, grads


ws_zero, grads_zero = train(zero_grad=True)
ws_kept, grads_kept = train(zero_grad=False)
print("step   with zero_(): grad    w      without: grad     w")
for step in range(6):
    print(f"{step + 1:4d}   {grads_zero[step]:16.2f} {ws_zero[step + 1]:6.3f}"
          f"   {grads_kept[step]:14.2f} {ws_kept[step + 1]:6.3f}")
print(f"after 40 steps: w = {ws_zero[-1]:.4f} with zero_(), w = {ws_kept[-1]:.4f} without")

try:
    import matplotlib.pyplot as plt
except ImportError:
    print("(install matplotlib to see the plot)")
else:
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.axhline(2.0, color="gray", linewidth=1, linestyle="--", label="the answer, w = 2")
    ax.plot(ws_zero, marker="o", markersize=3, label="w.grad.zero_() after each step")
    ax.plot(ws_kept, marker="s", markersize=3, label="never zeroed")
    ax.set_xlabel("step")
    ax.set_ylabel("w")
    ax.set_title("The same loop, with and without zeroing the gradient")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3, frameon=False)
    fig.tight_layout()
    plt.show()

# -- Do I need retain_graph=True? --------------------------------------------------------------
x = torch.tensor(3.0, requires_grad=True)
y = x * x
y.backward()
try:
    y.backward()
except RuntimeError as e:
    print(f"RuntimeError: {e}")


def second_backward(make):
    x = torch.tensor(2.0, requires_grad=True)
    y = make(x)
    y.backward()
    try:
        y.backward()
    except RuntimeError:
        return "needs retain_graph=True"
    return f"fine, x.grad = {x.grad.item():g}"


for text, make in [("x + x + 1", lambda x: x + x + 1),
                   ("(x - 3).sum()", lambda x: (x - 3).sum()),
                   ("x.mean()", lambda x: x.mean()),
                   ("x * 3", lambda x: x * 3),
                   ("x * x", lambda x: x * x),
                   ("x.exp()", lambda x: x.exp()),
                   ("(x + 1) * 2", lambda x: (x + 1) * 2)]:
    print(f"{text:14} {second_backward(make)}")


class Model:
    def __init__(self):
        self.w = torch.tensor(0.0, requires_grad=True)

    def loss(self, x, y):
        return ((self.w * x - y) ** 2).mean()


model = Model()
loss = model.loss(X, Y)
loss.backward()
try:
    loss.backward()  # the same graph again: the same error as without a class
except RuntimeError as e:
    print(f"RuntimeError: {str(e)[:52]}...")

model.w.grad = None
for step in range(3):
    loss = model.loss(X, Y)  # a new forward pass: a new graph
    loss.backward()          # no retain_graph needed
    print(f"step {step + 1}: dloss/dw = {model.w.grad.item():.2f}")
    with torch.no_grad():
        model.w -= 0.01 * model.w.grad
    model.w.grad.zero_()

# -- Updating a weight without recording it -----------------------------------------------------
w = torch.tensor(0.0, requires_grad=True)
((w * X - Y) ** 2).mean().backward()
try:
    w -= 0.01 * w.grad
except RuntimeError as e:
    print(f"RuntimeError: {e}")

w = w - 0.01 * w.grad  # no error, but w is no longer a leaf
print(w, "is_leaf:", w.is_leaf)
((w * X - Y) ** 2).mean().backward()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    print("w.grad after the next backward:", w.grad)
print("warning:", str(caught[0].message).split(". ")[0])

for how in ["no_grad", "data", "detach"]:
    w = torch.tensor(0.0, requires_grad=True)
    ((w * X - Y) ** 2).mean().backward()
    if how == "no_grad":
        with torch.no_grad():  # nothing inside is recorded
            w -= 0.01 * w.grad
    elif how == "data":
        w.data -= 0.01 * w.grad  # .data: the same storage, outside the graph
    else:
        w.detach().sub_(0.01 * w.grad)  # detach(): the same, as a new tensor object
    print(f"{how:8}", w, "is_leaf:", w.is_leaf)

x = torch.tensor(3.0, requires_grad=True)
(x * x).backward()
print("d(x * x)/dx          =", x.grad)
x.grad = None
(x * x.detach()).backward()  # the second factor counts as a constant
print("d(x * x.detach())/dx =", x.grad)

w = torch.tensor(1.5, requires_grad=True)
y = w * 2
try:
    y.requires_grad = False
except RuntimeError as e:
    print(f"RuntimeError: {e}")
print("y.detach().requires_grad:", y.detach().requires_grad)
with torch.no_grad():
    z = w * 2
print("computed under no_grad:  ", z.requires_grad, z.grad_fn)

# -- The third error: backward of a non-scalar ---------------------------------------------------
v = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
try:
    (v * 2).backward()
except RuntimeError as e:
    print(f"RuntimeError: {e}")
(v * 2).sum().backward()
print(v.grad)

# -- When in-place bites -------------------------------------------------------------------------
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x.exp()  # ExpBackward0 keeps y: d exp(x)/dx = exp(x) = y
y += 1       # overwrites the y it keeps
try:
    y.sum().backward()
except RuntimeError as e:
    print(f"RuntimeError: {e}")

# version counters: every in-place change adds 1; a view shares its base's counter
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x.exp()
print(y._version, y)
y += 1
print(y._version, y)
y.mul_(2)
print(y._version, y)
y[0] = 0.0
print(y._version, y)
row = y[1]  # a view of y
print(row._version)


def change_then_backward(make):
    x = torch.tensor(2.0, requires_grad=True)
    y = make(x)
    with torch.no_grad():
        x += 1  # x is now 3, at version 1
    try:
        y.backward()
    except RuntimeError:
        return "RuntimeError: x was read by a record"
    return f"fine, x.grad = {x.grad.item():g}"


for text, make in [("x + 1", lambda x: x + 1),
                   ("(x - 3).sum()", lambda x: (x - 3).sum()),
                   ("x * 3", lambda x: x * 3),
                   ("x * x", lambda x: x * x),
                   ("x.sin()", lambda x: x.sin()),
                   ("x.exp()", lambda x: x.exp())]:
    print(f"{text:14} {change_then_backward(make)}")

# the fix: change a copy (clone()), or write the op out of place
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x.exp()
z = y.clone()
z += 1  # changes the copy; y stays at version 0
z.sum().backward()
print("clone(), then z += 1:", x.grad)
x.grad = None
y = x.exp()
z = y + 1  # out of place
z.sum().backward()
print("z = y + 1:           ", x.grad)
print("exp(x):              ", x.detach().exp())

# writing into a tensor: CopySlices
a = torch.tensor(2.0, requires_grad=True)
b = torch.tensor(3.0, requires_grad=True)
out = torch.zeros(2)  # a constant: no grad_fn, version 0
out[0] = a * b        # written into out's storage
print(out, "version", out._version)
w = torch.tensor([10.0, 1.0])
loss = (out * w).sum()
# v2 is out before the write (version 0), shown with the values it had then
print(viz.graph_text(loss, adjoints=True, a=a, b=b, out=out, w=w, loss=loss))
loss.backward()
print("a.grad:", a.grad, "  b.grad:", b.grad)

# .data and detach(): only detach() shares the version counter
for how in ["data", "detach", "no_grad"]:
    x = torch.tensor(2.0, requires_grad=True)
    y = x * x  # keeps x for backward
    if how == "data":
        x.data.mul_(10)
    elif how == "detach":
        x.detach().mul_(10)
    else:
        with torch.no_grad():
            x.mul_(10)
    try:
        y.backward()
        print(f"{how:8} version {x._version}, x.grad = {x.grad}")
    except RuntimeError as e:
        print(f"{how:8} version {x._version}, RuntimeError: {str(e).split(':')[0]}")

# -- Variable ----------------------------------------------------------------------------------
t = torch.tensor([1.0, 2.0])
v = Variable(t, requires_grad=True)
print(v, type(v).__name__, "is_leaf:", v.is_leaf)
(v * v).sum().backward()
print("v.grad:", v.grad)

# -- Exercise ----------------------------------------------------------------------------------
x = torch.tensor(1.0, requires_grad=True)
for _ in range(3):
    y = x * x + 2 * x
    y.backward()
print("1.", x.grad)

a = torch.tensor(2.0, requires_grad=True)
b = a * 3
c = b + b
c.backward()
try:
    c.backward()
except RuntimeError as e:
    print(f"2. RuntimeError: {str(e)[:52]}...")
print("   a.grad after the first backward:", a.grad)

for change in ["x", "y"]:
    x = torch.tensor(0.5, requires_grad=True)
    y = x.tanh()
    if change == "x":
        with torch.no_grad():
            x.mul_(2)
    else:
        y.mul_(2)
    try:
        y.backward()
        print(f"3. {change}.mul_(2): x.grad = {x.grad.item():.4f}")
    except RuntimeError as e:
        print(f"3. {change}.mul_(2): RuntimeError: ...{str(e).split('], ')[1].split('. ')[0]}")
