import os

import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        os._exit(9)

    def forward(self, x, *args):
        return x
