import torch

torch.manual_seed(16)

x = torch.randn(3, requires_grad=True)
y = x * 2
y.retain_grad()
z = (y ** 2).sum()
seen = []


def log_grad(grad):
    seen.append(grad.clone())
    print("hook sees", grad)


handle = y.register_hook(log_grad)
z.backward()
print(x.grad)
print(y.grad)
print(len(seen))
handle.remove()

a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
a.register_hook(lambda g: g * 10)
(a * a).sum().backward()
print(a.grad)

b = torch.tensor([0.5, -1.5], requires_grad=True)
c = b.exp()
c.register_hook(lambda g: print("grad of c:", g))
c.retain_grad()
d = c.sum() * 3
d.backward()
print(c.grad)
print(b.grad)
print(c.is_leaf, b.is_leaf, c.requires_grad)

w = torch.randn(2, 2, requires_grad=True)
h = w @ torch.ones(2, 1)
h.register_hook(lambda g: g.clamp(max=0.5))
(h * torch.tensor([[1.0], [2.0]])).sum().backward()
print(w.grad)
