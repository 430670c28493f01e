"""TS5xx: what torch.export.export rejects or specializes, and TorchScript-only code to migrate."""

from tslint.findings import Mode

MODE = Mode.EXPORT  # of every rule of the family: a run in another mode imports none of them
