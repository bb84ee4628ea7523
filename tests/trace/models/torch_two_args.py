"""A torch module whose forward takes two arguments: token ids and a mask."""

import torch
from torch import nn


class MaskedEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(100, 8)
        self.proj = nn.Linear(8, 4)

    def forward(self, tokens, mask):
        x = self.embed(tokens)  # mark: embed
        x = self.proj(x) * mask.unsqueeze(-1)  # mark: proj
        return x.sum(dim=1)


MaskedEncoder()(torch.zeros(2, 7, dtype=torch.long), torch.ones(2, 7))
