import torch


class Cube(torch.autograd.Function):
    """x ** 3, with its derivative written out by hand."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * 3 * x * x


torch.manual_seed(8)

x = torch.linspace(-1, 1, 50)
y = 0.5 * x ** 3 - 0.8 * x + 0.3 + 0.02 * torch.randn(50)

a = torch.randn((), requires_grad=True)
b = torch.randn((), requires_grad=True)
c = torch.randn((), requires_grad=True)
print(a, b, c)

cube = Cube.apply
t = torch.tensor([2.0, -1.0], requires_grad=True)
out = cube(t)
print(out)
out.sum().backward()
print(t.grad)

lr = 0.1
for step in range(501):
    y_pred = a * cube(x) + b * x + c
    loss = (y_pred - y).pow(2).sum()
    loss.backward()
    with torch.no_grad():
        for p in (a, b, c):
            p -= lr * p.grad / 50
            p.grad = None
    if step % 100 == 0:
        print(f"step {step:3d} loss {loss.item():.6f}")

print(f"Result: y = {a.item():.6f} x^3 + {b.item():.6f} x + {c.item():.6f}")
