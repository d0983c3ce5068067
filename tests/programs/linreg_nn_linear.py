import torch
import torch.nn as nn
import torch.optim as optim

torch.manual_seed(1)

x_train = torch.randn(30, 1)
y_train = 2 * x_train - 1 + 0.05 * torch.randn(30, 1)

model = nn.Linear(1, 1)
print(list(model.parameters()))
criterion = nn.MSELoss()
optimizer = optim.SGD(model.parameters(), lr=0.1)

for epoch in range(101):
    prediction = model(x_train)
    cost = criterion(prediction, y_train)
    optimizer.zero_grad()
    cost.backward()
    optimizer.step()
    if epoch % 20 == 0:
        print(f"Epoch {epoch:3d}/100 Cost: {cost.item():.6f}")

print(model.weight)
print(model.bias)
new_var = torch.FloatTensor([[4.0]])
pred_y = model(new_var)
print("prediction for 4:", pred_y)
print(model.state_dict())
