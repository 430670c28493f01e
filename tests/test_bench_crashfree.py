"""bench/crashfree.py runs end to end on a small folder: it patches the engine's phases to time each
file, and a split of the engine once left it patching names that no longer existed (it stopped
before linting anything, and nothing noticed)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

BAD = "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def forward(self, x, *args):\n        return x\n"


@pytest.mark.process
def test_crashfree_bench_lints_a_folder(tmp_path) -> None:
    (tmp_path / "net.py").write_text(BAD)
    (tmp_path / "broken.py").write_text("def (:\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    completed = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "crashfree.py"), "-j", "2", "--worst", "1", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    out = completed.stdout
    assert "linted 2 files" in out and "internal errors: 0" in out
    assert "TS001 (unreadable, unparsable or too large): 1" in out and "TS101 1" in out
    assert "slowest files in the run" in out and "- 0.0" not in out  # the scope's timing is not a file
