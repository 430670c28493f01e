"""torch fails away from the flagged line: inside a decorator's wrapper, without a location, or
naming only file and line. --confirm must still confirm each finding and add no TS000."""
import torch
import torch.nn as nn


def timed(fn):
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs)

    return wrapper


class Timed(nn.Module):
    @timed
    def forward(self, x):
        return x


class Unpool(nn.Module):
    def __init__(self):
        super().__init__()
        self.pool = nn.MaxPool2d(2, return_indices=True)
        self.unpool = nn.MaxUnpool2d(2)

    def forward(self, x):
        y, i = self.pool(x)
        return self.unpool(y, i)


class Async(nn.Module):
    def forward(self, x):
        return self.helper(x)

    async def helper(self, x):
        return x


class Shape(nn.Module):
    def forward(self, x):
        size = tuple(x.shape[2:])
        return x
