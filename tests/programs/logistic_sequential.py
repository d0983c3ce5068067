import torch
import torch.nn as nn
import torch.optim as optim

torch.manual_seed(4)

# two blobs
x0 = torch.randn(25, 2) + torch.tensor([-1.5, -1.0])
x1 = torch.randn(25, 2) + torch.tensor([1.5, 1.0])
x = torch.cat([x0, x1])
y = torch.cat([torch.zeros(25, 1), torch.ones(25, 1)])

model = nn.Sequential(
    nn.Linear(2, 1),
    nn.Sigmoid(),
)
print(model)
print(model(x[:3]))

criterion = nn.BCELoss()
optimizer = optim.SGD(model.parameters(), lr=0.5)

for epoch in range(201):
    hypothesis = model(x)
    cost = criterion(hypothesis, y)
    optimizer.zero_grad()
    cost.backward()
    optimizer.step()
    if epoch % 40 == 0:
        prediction = hypothesis >= 0.5
        correct_prediction = prediction.float() == y
        accuracy = correct_prediction.sum().item() / len(correct_prediction)
        print(f"Epoch {epoch:4d}/200 Cost: {cost.item():.6f} Accuracy {accuracy * 100:2.2f}%")

print(model[0].weight)
print(model[0].bias)
with torch.no_grad():
    print(model(torch.tensor([[0.0, 0.0], [2.0, 2.0], [-2.0, -2.0]])))
