"""tslint: a static TorchScript-compatibility linter for PyTorch code."""

__version__ = "0.5.0"
