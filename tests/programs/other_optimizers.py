import torch
import torch.nn as nn
import torch.optim as optim

torch.manual_seed(19)

x = torch.randn(40, 3)
y = x @ torch.tensor([[0.5], [-1.0], [2.0]]) + 0.3 + 0.1 * torch.randn(40, 1)
initial = nn.Linear(3, 1)
start = initial.state_dict()


def train(name, make_optimizer, steps=40):
    model = nn.Linear(3, 1)
    model.load_state_dict(start)
    optimizer = make_optimizer(model.parameters())
    for step in range(steps):
        loss = nn.functional.mse_loss(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 10 == 0:
            print(f"{name:8s} step {step:2d} loss {loss.item():.6f}")
    print(name, model.weight.data, model.bias.data)


train("SGD", lambda p: optim.SGD(p, lr=0.05))
train("Momentum", lambda p: optim.SGD(p, lr=0.05, momentum=0.9))
train("Nesterov", lambda p: optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True))
train("RMSprop", lambda p: optim.RMSprop(p, lr=0.01))
train("Adam", lambda p: optim.Adam(p, lr=0.05))
train("AdamW", lambda p: optim.AdamW(p, lr=0.05, weight_decay=0.01))
train("Adagrad", lambda p: optim.Adagrad(p, lr=0.3))
