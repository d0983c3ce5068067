import torch
import torch.nn as nn
import torch.optim as optim

torch.manual_seed(18)

X = torch.randn(64, 6)
y = (X[:, 0] * X[:, 1] > 0).long()
print(X[:2])
print(y[:16])

model = nn.Sequential(
    nn.Linear(6, 32),
    nn.ReLU(),
    nn.Linear(32, 16),
    nn.ReLU(),
    nn.Linear(16, 2),
)
criterion = nn.CrossEntropyLoss()
optimizer = optim.Adam(model.parameters(), lr=0.01)

for epoch in range(60):
    logits = model(X)
    loss = criterion(logits, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if epoch % 10 == 0:
        acc = (logits.argmax(dim=1) == y).float().mean().item()
        print(f"epoch {epoch:2d} loss {loss.item():.6f} acc {acc:.4f}")

print(sum(p.numel() for p in model.parameters()))
with torch.no_grad():
    probs = torch.softmax(model(X[:4]), dim=1)
print(probs)
print(model[4].bias)
