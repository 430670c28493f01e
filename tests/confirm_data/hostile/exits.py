import sys

import torch.nn as nn

sys.exit(3)


class Net(nn.Module):
    def forward(self, x, *args):
        return x
