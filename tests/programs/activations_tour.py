import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(25)

x = torch.linspace(-3, 3, 7, requires_grad=True)
print(x)
for name, fn in [("relu", torch.relu), ("sigmoid", torch.sigmoid), ("tanh", torch.tanh),
                 ("leaky_relu", lambda t: F.leaky_relu(t, 0.1)), ("softplus", F.softplus)]:
    y = fn(x)
    (grad,) = torch.autograd.grad(y.sum(), x)
    print(name, y.detach())
    print(name, "grad", grad)

layer = nn.LeakyReLU(0.2)
print(layer)
print(layer(torch.randn(5)))
print(nn.Softmax(dim=1)(torch.randn(2, 3)))
print(nn.LogSoftmax(dim=1)(torch.randn(2, 3)))
h = torch.randn(4)
print(F.logsigmoid(h))
print(torch.logsumexp(h, dim=0))
print(torch.log1p(h.abs()))
