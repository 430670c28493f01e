import torch.nn as nn


class Base(nn.Module):
    def forward(self, x):
        return self.step(x)

    def step(self, x):
        return x
