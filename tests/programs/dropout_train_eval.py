import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(11)

drop = nn.Dropout(p=0.5)
x = torch.ones(2, 8)
print(drop)
print(drop(x))
print(drop.training)
drop.eval()
print(drop(x))
print(drop.training)
drop.train()
print(drop(torch.arange(10.0)))

print(F.dropout(torch.ones(6), p=0.25))
print(F.dropout(torch.ones(6), p=0.25, training=False))

model = nn.Sequential(
    nn.Linear(4, 16),
    nn.ReLU(),
    nn.Dropout(0.3),
    nn.Linear(16, 1),
)
inputs = torch.randn(8, 4)
targets = torch.randn(8, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
for epoch in range(30):
    model.train()
    loss = F.mse_loss(model(inputs), targets)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if epoch % 10 == 0:
        model.eval()
        with torch.no_grad():
            eval_loss = F.mse_loss(model(inputs), targets)
        print(f"epoch {epoch:2d} train {loss.item():.6f} eval {eval_loss.item():.6f}")

model.eval()
print(model(inputs[:2]))
model.train()
print(model(inputs[:2]))
