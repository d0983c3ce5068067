import os
import tempfile

import torch
import torch.nn as nn

torch.manual_seed(15)


class TinyNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(3, 4)
        self.out = nn.Linear(4, 2)

    def forward(self, x):
        return self.out(torch.tanh(self.hidden(x)))


model = TinyNet()
x = torch.randn(2, 3)
print(model(x))
state = model.state_dict()
print(list(state.keys()))
print(state["out.bias"])

with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "model.pt")
    torch.save(model.state_dict(), path)

    other = TinyNet()
    print(other(x))
    result = other.load_state_dict(torch.load(path))
    print(result)
    print(other(x))
    print(torch.equal(model(x), other(x)))

    tensor_path = os.path.join(tmp, "tensors.pt")
    torch.save({"x": x, "ids": torch.arange(5)}, tensor_path)
    loaded = torch.load(tensor_path)
    print(loaded["x"])
    print(loaded["ids"])

    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(x).sum().backward()
    optimizer.step()
    opt_path = os.path.join(tmp, "opt.pt")
    torch.save(optimizer.state_dict(), opt_path)
    opt_state = torch.load(opt_path)
    print(opt_state["param_groups"][0]["lr"], opt_state["param_groups"][0]["momentum"])
    print(opt_state["state"][0]["momentum_buffer"])
