import torch
import torch.nn as nn

torch.manual_seed(21)

vocab = ["<pad>", "i", "like", "deep", "learning", "torch"]
word_to_ix = {w: i for i, w in enumerate(vocab)}
print(word_to_ix)

embedding = nn.Embedding(num_embeddings=len(vocab), embedding_dim=3)
print(embedding)
print(embedding.weight)

ids = torch.LongTensor([word_to_ix[w] for w in ["i", "like", "torch"]])
print(ids)
vectors = embedding(ids)
print(vectors)
print(vectors.shape)

batch = torch.tensor([[1, 2, 3], [4, 5, 0]])
print(embedding(batch).shape)
print(embedding(batch)[1])

emb_pad = nn.Embedding(6, 2, padding_idx=0)
print(emb_pad.weight)
out = emb_pad(torch.tensor([0, 2, 0, 5]))
out.sum().backward()
print(emb_pad.weight.grad)

pretrained = torch.FloatTensor([[1.0, 2.3, 3.0], [4.0, 5.1, 6.3]])
emb = nn.Embedding.from_pretrained(pretrained)
print(emb(torch.LongTensor([1])))

# learn embeddings so that two words end up close
emb = nn.Embedding(4, 2)
opt = torch.optim.SGD(emb.parameters(), lr=0.1)
for step in range(50):
    e = emb(torch.tensor([0, 1]))
    loss = (e[0] - e[1]).pow(2).sum()
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 10 == 0:
        print(f"step {step:2d} loss {loss.item():.6f}")
print(emb.weight)
