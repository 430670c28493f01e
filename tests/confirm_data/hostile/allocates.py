import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        hoard = []
        while True:
            hoard.append(bytearray(100_000_000))

    def forward(self, x, *args):
        return x
