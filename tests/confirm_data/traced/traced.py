"""Classes for the trace part of the --confirm tests."""
import torch
import torch.nn as nn


def two_input_sets():
    return [(torch.ones(3, 4),), (-torch.ones(5, 4),)]


def one_input_set():
    return (torch.ones(3, 4),)


class ValueBranch(nn.Module):
    def forward(self, x):
        if x.sum() > 0:
            return x * 2
        return x * 3


class SilentLoop(nn.Module):
    def forward(self, x):
        y = x
        for _ in range(x.size(0)):
            y = y + 1
        return y


class SilentLoopOneSet(nn.Module):
    def forward(self, x):
        y = x
        for _ in range(x.size(0)):
            y = y + 1
        return y


class NoInputs(nn.Module):
    def forward(self, x):
        if x.sum() > 0:
            return x * 2
        return x


def with_a_float():
    return (torch.ones(3, 4), 2.0)


class ScaleArgument(nn.Module):
    def forward(self, x, scale: float):
        return x * scale


class ShapeAsData(nn.Module):
    """No trace rule knows `new_tensor(list(x.shape))` freezes the shape: torch's TracerWarning is a TS000."""

    def forward(self, x):
        return x.new_tensor(list(x.shape)) * 2


class Clean(nn.Module):
    def forward(self, x):
        return x * 2
