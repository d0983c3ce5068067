import torch

torch.manual_seed(0)

# y = 3x + 2 with a little noise
x = torch.rand(20, 1) * 4
y = 3 * x + 2 + 0.1 * torch.randn(20, 1)

w = torch.zeros(1, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
lr = 0.05

for epoch in range(301):
    pred = x * w + b
    loss = ((pred - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
    if epoch % 50 == 0:
        print(f"epoch {epoch:4d} w={w.item():.6f} b={b.item():.6f} loss={loss.item():.6f}")
    w.grad.zero_()
    b.grad.zero_()

print(w)
print(b)
print(w.grad, b.grad)
with torch.no_grad():
    print(x[:3] * w + b)
