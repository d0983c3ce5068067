import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(26)

pred = torch.randn(5, requires_grad=True)
target = torch.randn(5)
for name, loss_fn in [("MSELoss", nn.MSELoss()), ("L1Loss", nn.L1Loss()),
                      ("SmoothL1Loss", nn.SmoothL1Loss()), ("HuberLoss", nn.HuberLoss(delta=0.5))]:
    loss = loss_fn(pred, target)
    loss.backward()
    print(name, f"{loss.item():.6f}", pred.grad)
    pred.grad = None

logits = torch.randn(4, 3, requires_grad=True)
labels = torch.tensor([0, 2, 1, 2])
ce = nn.CrossEntropyLoss()(logits, labels)
ce.backward()
print(ce)
print(logits.grad)
print(F.one_hot(labels, num_classes=3))
print(nn.NLLLoss()(F.log_softmax(logits, dim=1), labels))

p = torch.sigmoid(torch.randn(6))
t = torch.randint(0, 2, (6,)).float()
print(F.binary_cross_entropy(p, t))
print(F.binary_cross_entropy_with_logits(torch.log(p / (1 - p)), t))
print(nn.MSELoss(reduction="sum")(p, t), nn.MSELoss(reduction="none")(p, t))

params = [torch.randn(3, requires_grad=True), torch.randn(2, requires_grad=True)]
(params[0].pow(2).sum() * 10 + params[1].sum() * 5).backward()
total = nn.utils.clip_grad_norm_(params, max_norm=1.0)
print(total)
print(params[0].grad, params[1].grad)
