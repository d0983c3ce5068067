import torch
import torch.nn as nn

torch.manual_seed(14)

layer = nn.Linear(4, 3)
print(layer.weight)
print(layer.bias)

nn.init.xavier_uniform_(layer.weight)
print(layer.weight)
nn.init.zeros_(layer.bias)
print(layer.bias)

nn.init.kaiming_normal_(layer.weight, mode="fan_in", nonlinearity="relu")
print(layer.weight)
nn.init.normal_(layer.weight, mean=0.0, std=0.01)
print(layer.weight)
nn.init.constant_(layer.bias, 0.1)
print(layer.bias)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(5, 8)
        self.fc2 = nn.Linear(8, 2)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


def init_weights(m):
    if isinstance(m, nn.Linear):
        nn.init.xavier_uniform_(m.weight)
        nn.init.zeros_(m.bias)


net = Net()
net.apply(init_weights)
for name, param in net.named_parameters():
    print(name, param.shape, f"{param.sum().item():.6f}", f"{param.abs().max().item():.6f}")
print(net(torch.ones(2, 5)))

w = torch.empty(3, 5)
nn.init.kaiming_uniform_(w, a=0.0, nonlinearity="relu")
print(w)
nn.init.xavier_normal_(w)
print(w)
nn.init.uniform_(w, -0.1, 0.1)
print(w)
nn.init.ones_(w)
print(w)
