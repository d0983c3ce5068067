import torch
import torch.nn as nn

torch.manual_seed(24)

n = 48
x = torch.rand(n, 2) * 2 - 1
y = (x.pow(2).sum(dim=1, keepdim=True) < 0.5).float()
print(y.sum())

model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
loss_fn = nn.BCEWithLogitsLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
batch_size = 16

for epoch in range(40):
    perm = torch.randperm(n)
    total = 0.0
    for i in range(0, n, batch_size):
        idx = perm[i:i + batch_size]
        xb, yb = x[idx], y[idx]
        loss = loss_fn(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(idx)
    if epoch % 8 == 0:
        print(f"epoch {epoch:2d} mean loss {total / n:.6f} first idx {perm[:4].tolist()}")

with torch.no_grad():
    logits = model(x)
    pred = (torch.sigmoid(logits) > 0.5).float()
    print("accuracy", (pred == y).float().mean().item())
    print(logits[:5])
