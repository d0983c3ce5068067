import torch
import torch.nn as nn
import torch.optim as optim
from torch.optim import lr_scheduler

torch.manual_seed(12)

x = torch.randn(16, 3)
y = torch.randn(16, 1)


def run(name, make_scheduler, epochs=8):
    model = nn.Linear(3, 1)
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    scheduler = make_scheduler(optimizer)
    lrs = []
    for _ in range(epochs):
        loss = nn.functional.mse_loss(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        lrs.append(scheduler.get_last_lr()[0])
    print(name, [f"{lr:.6f}" for lr in lrs])
    print(name, "final loss", f"{loss.item():.6f}", optimizer.param_groups[0]["lr"])


run("StepLR", lambda opt: lr_scheduler.StepLR(opt, step_size=3, gamma=0.5))
run("ExponentialLR", lambda opt: lr_scheduler.ExponentialLR(opt, gamma=0.9))
run("MultiStepLR", lambda opt: lr_scheduler.MultiStepLR(opt, milestones=[2, 5], gamma=0.1))
run("CosineAnnealingLR", lambda opt: lr_scheduler.CosineAnnealingLR(opt, T_max=6, eta_min=0.001))
run("LambdaLR", lambda opt: lr_scheduler.LambdaLR(opt, lr_lambda=lambda epoch: 0.95 ** epoch))

model = nn.Linear(3, 1)
optimizer = optim.SGD(model.parameters(), lr=0.1)
scheduler = lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.1)
print(scheduler.get_last_lr())
for epoch in range(5):
    optimizer.step()
    scheduler.step()
    print(epoch, scheduler.get_last_lr(), optimizer.param_groups[0]["lr"])
