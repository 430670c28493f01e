"""Classes for --confirm in export mode (tests/test_confirm_export.py): line numbers matter."""

import torch
from torch import nn


class ValueBranch(nn.Module):
    def forward(self, x):
        if x.sum() > 0:
            return x * 2
        return x


class HelperBranch(nn.Module):
    def forward(self, x):
        return helper(x)


def helper(x):
    if x.max() > 1:
        return x
    return -x


class BatchBranch(nn.Module):
    def forward(self, x):
        if x.shape[0] > 4:
            return x * 2
        return x


class Counter(nn.Module):
    def __init__(self):
        super().__init__()
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        return x * self.calls


class ToNumpy(nn.Module):
    def forward(self, x):
        y = x.numpy()
        return x + float(y.shape[0])


class Clean(nn.Module):
    def forward(self, x):
        return torch.relu(x) * 2


class NoInputs(nn.Module):
    def forward(self, x):
        if x.sum() > 0:
            return x
        return -x


def inputs():
    return [(torch.ones(3, 4),), (-torch.ones(5, 4),)]


def batch_dynamic():
    return {"x": {0: torch.export.Dim("batch")}}
