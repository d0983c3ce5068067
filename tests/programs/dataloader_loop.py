import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(10)

x_train = torch.FloatTensor([[73, 80, 75],
                             [93, 88, 93],
                             [89, 91, 90],
                             [96, 98, 100],
                             [73, 66, 70]])
y_train = torch.FloatTensor([[152], [185], [180], [196], [142]])

dataset = TensorDataset(x_train, y_train)
print(len(dataset))
print(dataset[1])
dataloader = DataLoader(dataset, batch_size=2, shuffle=True)

model = nn.Linear(3, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=1e-5)

nb_epochs = 20
for epoch in range(nb_epochs + 1):
    for batch_idx, samples in enumerate(dataloader):
        x_batch, y_batch = samples
        if epoch < 2:
            print(epoch, batch_idx, y_batch.squeeze(1))
        prediction = model(x_batch)
        cost = F.mse_loss(prediction, y_batch)
        optimizer.zero_grad()
        cost.backward()
        optimizer.step()
        if epoch % 5 == 0:
            print(f"Epoch {epoch:4d}/{nb_epochs} Batch {batch_idx + 1}/{len(dataloader)}",
                  f"Cost: {cost.item():.6f}")

new_var = torch.FloatTensor([[73, 80, 75]])
print("prediction:", model(new_var))

loader = DataLoader(TensorDataset(torch.arange(10)), batch_size=3, shuffle=True, drop_last=True)
for (batch,) in loader:
    print(batch)
