"""Functions and modules whose every value tests/test_type_inference.py types with tslint and with
torch, and compares. Each compiles in torch 2.13; each local is used so that torch keeps its value."""

import math
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F


def scalars(x: torch.Tensor, n: int, scale: float, flag: bool, name: str):
    a = n * 2
    b = n / 2
    c = n // 3
    d = n * scale
    e = a**2
    f = -scale
    g = flag and n > 1
    h = name + "x"
    i = len(name)
    j = math.pi * scale
    k = int(scale) + float(n)
    m = n % 4
    return a, b, c, d, e, f, g, h, i, j, k, m


def tensors(x: torch.Tensor, y, k: int):
    a = x + y
    b = x * 2
    c = 2.0 * x
    d = x.size(0)
    e = x.size()
    f = x.shape
    g = x.view(-1, k)
    h = torch.cat([x, y], dim=1)
    i = torch.zeros(3, 4)
    j = x.dtype
    m = x.sum(dim=1, keepdim=True)
    n = x > 0
    o = x[0]
    p = x.max(dim=1)
    q = F.relu(x)
    r = torch.matmul(x, y.t())
    s = x.shape[-1]
    t = x.device
    u = x.mean().item()
    v = x.numel()
    w = x.dim() == 2
    return a, b, c, d, e, f, g, h, i, j, m, n, o, p, q, r, s, t, u, v, w


def containers(x: torch.Tensor, sizes: List[int], table: Dict[str, torch.Tensor], pair: Tuple[int, float]):
    a = sizes[0]
    b = sizes[1:]
    c = table["k"]
    d = pair[1]
    e = [x, x]
    f = (x, 1)
    g = {"a": 1, "b": 2}
    h = [s * 2 for s in sizes]
    i = f[0]
    first, second = pair
    k = sizes + [1]
    m = list(table.keys())
    return a, b, c, d, e, f, g, h, i, first, second, k, m


def optionals(x: torch.Tensor, mask: Optional[torch.Tensor] = None, n: Optional[int] = None):
    if mask is None:
        y = x
    else:
        y = x * mask
    if n is not None:
        m = n + 1
    else:
        m = 0
    if m > 2:
        z = x
    else:
        z = None
    w = mask if mask is not None else x
    return y, m, z, w


def early_exit(x: torch.Tensor, mask: Optional[torch.Tensor]) -> torch.Tensor:
    if mask is None:
        return x
    total = mask.sum()
    return x * total


def loops(x: torch.Tensor, n: int, sizes: List[int]):
    total = 0
    acc = x
    for i in range(n):
        total = total + i
        acc = acc + x
    count = 0.0
    for s in sizes:
        count = count + s
    while n > 0:
        n = n - 1
    for item in (1, 2):
        total = total + item
    return total, acc, count, n


def joins(x: torch.Tensor, flag: bool):
    if flag:
        a = 1
        b = x
        c = (x, 1)
    else:
        a = 2
        b = x * 2
        c = (x, 3)
    return a, b, c


def annotated(x: torch.Tensor):
    sizes: List[int] = []
    sizes.append(x.size(0))
    maybe: Optional[torch.Tensor] = None
    if x.sum() > 0:
        maybe = x
    table = torch.jit.annotate(Dict[str, int], {})
    return sizes, maybe, table


def helper(x: torch.Tensor, k: int = 2) -> Tuple[torch.Tensor, int]:
    return x * k, k


def calls_helper(x: torch.Tensor):
    a, b = helper(x)
    c = helper(x, 3)
    return a, b, c


class Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 3)
        self.norm = nn.BatchNorm2d(3)
        self.layers = nn.ModuleList([nn.ReLU(), nn.ReLU()])
        self.scale = 0.5
        self.depth = 2
        self.name = "block"
        self.use_bias = True
        self.weight = nn.Parameter(torch.ones(3))
        self.register_buffer("running", torch.zeros(3))
        self.empty = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv(x)
        z = self.norm(y)
        for layer in self.layers:
            z = layer(z)
        s = self.scale * self.depth
        w = self.weight
        r = self.running
        n = self.name
        t = self.training
        if self.use_bias:
            z = z + 1
        out = self.helper(z, s)
        return out + w.sum() + r.sum() + float(len(n)) + float(t)

    def helper(self, x: torch.Tensor, s: float) -> torch.Tensor:
        return x * s


class Outer(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.block = Block()
        self.proj = nn.Linear(4, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.block(x)
        p = self.proj(y)
        return p
