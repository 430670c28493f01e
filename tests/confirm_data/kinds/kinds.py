"""One class per method kind that torch fails in first: --confirm masks it (torch skips it) and
scripts again, which must find the error behind it, in `second`."""
import torch
import torch.nn as nn


class FailsInClassmethod(nn.Module):
    EPS = 1e-6

    @classmethod
    def safe_div(cls, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return a / (b + cls.EPS)

    def second(self, x: torch.Tensor) -> torch.Tensor:
        return (lambda y: y)(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.second(self.safe_div(x, x))


class FailsInStaticmethod(nn.Module):
    @staticmethod
    def helper(a: torch.Tensor) -> torch.Tensor:
        return (lambda y: y)(a)

    def second(self, x: torch.Tensor) -> torch.Tensor:
        return (lambda y: y)(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.second(self.helper(x))


class FailsInProperty(nn.Module):
    @property
    def scale(self) -> float:
        return (lambda: 2.0)()

    def second(self, x: torch.Tensor) -> torch.Tensor:
        return (lambda y: y)(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.second(x * self.scale)


class FailsInOverload(nn.Module):
    @torch.jit._overload_method  # noqa: F811
    def pick(self, x: int) -> int:
        ...

    @torch.jit._overload_method  # noqa: F811
    def pick(self, x: torch.Tensor) -> torch.Tensor:
        ...

    def pick(self, x):  # noqa: F811
        return (lambda y: y)(x)

    def second(self, x: torch.Tensor) -> torch.Tensor:
        return (lambda y: y)(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.second(self.pick(x))


# The error behind the masked class or static method is in `forward` itself, found by torch after the
# call (not by its parser, which sees a lambda first): found only if that method is masked on its own
# (masking `forward`, the fallback, would hide it).
class ForwardAfterClassmethod(nn.Module):
    EPS = 1e-6

    @classmethod
    def safe_div(cls, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return a / (b + cls.EPS)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.safe_div(x, x)
        n = 1
        if self.training:
            n = "one"
        return y


class ForwardAfterStaticmethod(nn.Module):
    @staticmethod
    def helper(a: torch.Tensor) -> torch.Tensor:
        return (lambda y: y)(a)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.helper(x)
        n = 1
        if self.training:
            n = "one"
        return y
