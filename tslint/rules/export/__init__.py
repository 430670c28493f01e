"""TS5xx: what torch.export.export rejects or specializes, and TorchScript-only code to migrate."""
