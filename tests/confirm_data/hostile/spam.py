import sys

import torch.nn as nn

for _ in range(20_000):
    print("spam " * 100)
    sys.stderr.write("more spam\n")


class Net(nn.Module):
    def forward(self, x, *args):
        return x
