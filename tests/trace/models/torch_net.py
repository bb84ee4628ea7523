"""A torch module with a Sequential and a custom block (recorded with forward hooks)."""

import torch
from torch import nn


class Block(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)
        self.norm = nn.BatchNorm2d(channels)

    def forward(self, x):
        return torch.relu(self.norm(self.conv(x)))  # mark: block-body


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3),  # mark: features-conv
            nn.MaxPool2d(2),  # mark: features-pool
        )
        self.block = Block(8)
        self.classifier = nn.Linear(8 * 15 * 15, 10)

    def forward(self, x):
        x = self.features(x)  # mark: net-features
        x = self.block(x)  # mark: net-block
        return self.classifier(torch.flatten(x, 1))  # mark: net-classifier


if __name__ == "__main__":
    print(Net()(torch.zeros(1, 3, 32, 32)).shape)
