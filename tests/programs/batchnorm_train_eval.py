import torch
import torch.nn as nn

torch.manual_seed(20)

bn = nn.BatchNorm1d(3)
print(bn)
print(bn.running_mean, bn.running_var, bn.num_batches_tracked)
x = torch.randn(8, 3) * 2 + 1
out = bn(x)
print(out)
print(out.mean(dim=0).abs().max() < 1e-6)  # zero, up to rounding
print(out.std(dim=0, unbiased=False))
print(bn.running_mean)
print(bn.running_var)
print(bn.num_batches_tracked)

for _ in range(3):
    bn(torch.randn(8, 3) * 2 + 1)
print(bn.running_mean)
print(bn.running_var)

bn.eval()
print(bn(x[:2]))
print(bn.weight, bn.bias)

model = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 1))
data = torch.randn(16, 4)
target = torch.randn(16, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(20):
    model.train()
    loss = nn.functional.mse_loss(model(data), target)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if epoch % 5 == 0:
        print(f"epoch {epoch:2d} loss {loss.item():.6f}")
model.eval()
print(model(data[:3]))
print(model[1].running_mean)
