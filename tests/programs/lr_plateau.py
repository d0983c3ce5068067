import torch
import torch.nn as nn
import torch.optim as optim

torch.manual_seed(13)

model = nn.Linear(2, 1)
optimizer = optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
scheduler = optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=0.5, patience=2)

val_losses = [1.0, 0.9, 0.95, 0.93, 0.92, 0.91, 0.95, 0.96, 0.97, 0.5, 0.6, 0.7, 0.8]
for epoch, val_loss in enumerate(val_losses):
    optimizer.step()
    scheduler.step(val_loss)
    lr = optimizer.param_groups[0]["lr"]
    print(f"epoch {epoch:2d} val_loss {val_loss:.2f} lr {lr:.6f}", scheduler.get_last_lr())

x = torch.randn(32, 2)
y = x @ torch.tensor([[1.0], [-2.0]]) + 0.5
model = nn.Linear(2, 1)
optimizer = optim.SGD(model.parameters(), lr=0.3)
scheduler = optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.1, patience=1, threshold=1e-2)
for epoch in range(15):
    loss = nn.functional.mse_loss(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    scheduler.step(loss.item())
    print(f"{epoch:2d} {loss.item():.6f} {scheduler.get_last_lr()[0]:.6f}")
print(model.weight, model.bias)
