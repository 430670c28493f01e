"""Classes for the --confirm tests (relative imports, a factory, two independent errors)."""
import torch
import torch.nn as nn

from .base import Base


class TwoErrors(Base):
    def step(self, x, *extra):
        return self.scale(x)

    def scale(self, x, factor=2):
        return x * factor


class NeedsArguments(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.width = width

    def forward(self, x, *extra):
        return x


def build_needs_arguments():
    return NeedsArguments(4)


class NoFactory(nn.Module):
    def __init__(self, width):
        super().__init__()

    def forward(self, x, *extra):
        return x


class Clean(nn.Module):
    def forward(self, x):
        return x * 2


class Unpredicted(nn.Module):
    def forward(self, x):
        return x * sum([1, 2]).no_such_method()  # an error no rule of tslint predicts (yet)
