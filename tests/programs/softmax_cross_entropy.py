import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

torch.manual_seed(6)

n = 60
x_train = torch.randn(n, 4)
true_w = torch.randn(4, 3)
y_train = (x_train @ true_w).argmax(dim=1)
print(y_train[:10])


class SoftmaxClassifierModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(4, 3)

    def forward(self, x):
        return self.linear(x)


model = SoftmaxClassifierModel()
optimizer = optim.SGD(model.parameters(), lr=0.5)

for epoch in range(101):
    prediction = model(x_train)
    cost = F.cross_entropy(prediction, y_train)
    optimizer.zero_grad()
    cost.backward()
    optimizer.step()
    if epoch % 20 == 0:
        correct = (prediction.argmax(1) == y_train).sum().item()
        print(f"Epoch {epoch:4d}/100 Cost: {cost.item():.6f} correct {correct}/{n}")

criterion = nn.CrossEntropyLoss()
with torch.no_grad():
    logits = model(x_train[:5])
    print(logits)
    print(F.softmax(logits, dim=1))
    print(criterion(logits, y_train[:5]))
print(model.linear.weight.grad)
