import ctypes

import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        ctypes.string_at(0)

    def forward(self, x, *args):
        return x
