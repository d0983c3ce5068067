"""Lesson 10 of the tinygrad_lite site: training a small network.

A 2 -> 16 -> 1 network (an nn.Module with two nn.Linear layers) classifies the two-moons
points. Data and starting weights are made in NumPy and loaded with load_state_dict, so that
PyTorch gets the same numbers. It is trained with SGD and with Adam (Adam's rule written out
and checked against optim.Adam); the loss curves and the decision boundaries are plotted.

Run: python 10-training-a-network.py   (needs numpy and tinygrad_lite; matplotlib for the
plots). Also runs with `import torch` / `import torch.nn as nn` instead (drop the viz lines).
"""

import numpy as np

import tinygrad_lite as torch
import tinygrad_lite.nn as nn
from tinygrad_lite import viz

# -- The data: two moons ---------------------------------------------------------------------
rng = np.random.default_rng(0)
n = 100
angle = rng.uniform(0, np.pi, n)
label = rng.integers(0, 2, n)  # class 0 or 1
xs = np.where(label == 0, np.cos(angle), 1 - np.cos(angle))
ys = np.where(label == 0, np.sin(angle), 0.5 - np.sin(angle))
points = np.stack([xs, ys], axis=1) + rng.normal(0, 0.1, (n, 2))
points = (points - points.mean(axis=0)) / points.std(axis=0)
print(f"{len(points)} points: {np.sum(label == 0)} of class 0, {np.sum(label == 1)} of class 1")


# -- A model as an nn.Module ------------------------------------------------------------------
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(2, 16)  # 2 coordinates -> 16 hidden units
        self.fc2 = nn.Linear(16, 1)  # 16 hidden units -> 1 logit

    def forward(self, x):
        return self.fc2(torch.tanh(self.fc1(x)))


model = Net()
print(model)
for name, p in model.named_parameters():
    print(f"{name:10s} {tuple(p.shape)}")


class Forgetful(nn.Module):
    def __init__(self):
        self.fc1 = nn.Linear(2, 16)  # no super().__init__() above


try:
    Forgetful()
except AttributeError as e:
    print("AttributeError:", e)

# -- The same starting weights everywhere -----------------------------------------------------
start = {"fc1.weight": rng.normal(0, 0.5, (16, 2)), "fc1.bias": np.zeros(16),
         "fc2.weight": rng.normal(0, 0.5, (1, 16)), "fc2.bias": np.zeros(1)}

X = torch.tensor(points, dtype=torch.float32)
Y = torch.tensor(label, dtype=torch.float32).reshape(-1, 1)


def fresh_model():
    """A Net with the NumPy-made starting weights (as float32, PyTorch's default)."""
    model = Net()
    model.load_state_dict({k: torch.tensor(v, dtype=torch.float32) for k, v in start.items()})
    return model


print(fresh_model().fc1.weight.detach()[:3])

model = fresh_model()
loss = nn.BCEWithLogitsLoss()(model(X), Y)
print(viz.graph_text(loss, x=X, y=Y, **dict(model.named_parameters())))

# -- Training with SGD -------------------------------------------------------------------------
loss_fn = nn.BCEWithLogitsLoss()


def train(make_optimizer, n_steps=300):
    model = fresh_model()
    optimizer = make_optimizer(model.parameters())
    losses = []
    for step in range(n_steps):
        optimizer.zero_grad()  # 1. forget the last step's gradients
        loss = loss_fn(model(X), Y)  # 2. forward
        loss.backward()  # 3. backward
        optimizer.step()  # 4. update every parameter
        losses.append(loss.item())
    return model, losses


def accuracy(model):
    with torch.no_grad():
        return ((model(X) > 0).float() == Y).float().mean().item()


sgd_model, sgd_losses = train(lambda params: torch.optim.SGD(params, lr=0.5))
print("SGD: ", " ".join(f"{sgd_losses[i]:.4f}" for i in (0, 10, 50, 100, 299)),
      f"  accuracy {accuracy(sgd_model):.2f}")


# -- Adam, written out ---------------------------------------------------------------------------
def adam_by_hand(n_steps, lr=0.05, beta1=0.9, beta2=0.999, eps=1e-8):
    model = fresh_model()
    params = list(model.parameters())
    m = [torch.zeros_like(p) for p in params]
    v = [torch.zeros_like(p) for p in params]
    for t in range(1, n_steps + 1):
        model.zero_grad()
        loss_fn(model(X), Y).backward()
        with torch.no_grad():
            for p, m_p, v_p in zip(params, m, v):
                m_p.mul_(beta1).add_((1 - beta1) * p.grad)
                v_p.mul_(beta2).add_((1 - beta2) * p.grad * p.grad)
                m_hat = m_p / (1 - beta1 ** t)
                v_hat = v_p / (1 - beta2 ** t)
                p -= lr * m_hat / (v_hat.sqrt() + eps)
    return model


by_hand = adam_by_hand(20)
library, _ = train(lambda params: torch.optim.Adam(params, lr=0.05), n_steps=20)
gap = max((a - b).abs().max().item()
          for a, b in zip(by_hand.parameters(), library.parameters()))
print(f"largest difference of any parameter after 20 steps: {gap:.1e}")

adam_model, adam_losses = train(lambda params: torch.optim.Adam(params, lr=0.05))
print("Adam:", " ".join(f"{adam_losses[i]:.4f}" for i in (0, 10, 50, 100, 299)),
      f"  accuracy {accuracy(adam_model):.2f}")

# -- The plots (need matplotlib) -----------------------------------------------------------------
try:
    import matplotlib.pyplot as plt
except ImportError:
    print("(install matplotlib to see the plots)")
else:
    fig, ax = plt.subplots(figsize=(7, 3.4))
    ax.plot(sgd_losses, label="SGD, lr = 0.5")
    ax.plot(adam_losses, label="Adam, lr = 0.05")
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("loss (log scale)")
    ax.set_title("The same network, two optimizers")
    ax.legend()
    fig.tight_layout()

    g = np.linspace(-2.5, 2.5, 101)
    gx, gy = np.meshgrid(g, g)
    grid = torch.tensor(np.stack([gx.ravel(), gy.ravel()], axis=1), dtype=torch.float32)
    fig, axes = plt.subplots(1, 2, figsize=(9, 4), sharey=True)
    for ax, (name, net) in zip(axes, [("SGD", sgd_model), ("Adam", adam_model)]):
        with torch.no_grad():
            prob = torch.sigmoid(net(grid)).numpy().reshape(gx.shape)
        ax.contourf(gx, gy, prob, levels=np.linspace(0, 1, 11), cmap="RdBu", alpha=0.5)
        ax.contour(gx, gy, prob, levels=[0.5], colors="black")
        for cls, color in [(0, "C3"), (1, "C0")]:
            ax.scatter(*points[label == cls].T, color=color, edgecolors="black", s=18,
                       label=f"class {cls}")
        ax.set_title(f"{name}: accuracy {accuracy(net):.2f}")
        ax.set_xlabel("x1")
    axes[0].set_ylabel("x2")
    axes[0].legend(loc="lower left")
    fig.tight_layout()
    plt.show()

# -- Exercise: Adam's first step ----------------------------------------------------------------
model = fresh_model()
before = [p.detach().clone() for p in model.parameters()]
optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
loss_fn(model(X), Y).backward()
grads = [p.grad.abs() for p in model.parameters()]
optimizer.step()
moved = [(p.detach() - b).abs() for p, b in zip(model.parameters(), before)]
print(f"gradient sizes from {min(g.min().item() for g in grads):.1e}"
      f" to {max(g.max().item() for g in grads):.1e}")
print(f"every parameter moved by {min(d.min().item() for d in moved):.6f}"
      f" to {max(d.max().item() for d in moved):.6f}")
