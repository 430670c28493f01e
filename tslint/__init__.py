"""tslint: a static TorchScript-compatibility linter for PyTorch code."""

__version__ = "0.4.0"
