import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        hoard = []
        while True:
            hoard.append(bytes(100_000_000))  # calloc: address space, no pages touched

    def forward(self, x, *args):
        return x
