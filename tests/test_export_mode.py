"""`mode = "export"` end to end, without torch: the configuration key and `--mode export` select the
TS5xx rules and only them; the export scope is what torch.export.export traces (forward and what it
calls, @torch.jit.script / ignore / unused functions as plain Python); the JSON says `"mode": "export"`."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from tslint.api import lint_paths
from tslint.cli import main
from tslint.config import Config

MODEL = textwrap.dedent("""\
    import torch
    import torch.nn as nn


    @torch.jit.script
    def scripted(x: torch.Tensor) -> torch.Tensor:
        if bool(x.sum() > 0):
            return x * 2
        return x


    class Net(nn.Module):
        @torch.jit.ignore
        def helper(self, x):
            if x.max() > 1:
                return x
            return x * 2

        def unused_by_forward(self, x):
            if x.min() > 1:
                return x
            return x

        def forward(self, x):
            value = x.sum().item()
            if value > 0:
                x = x + 1
            return scripted(self.helper(x))
    """)


def _write(tmp_path: Path) -> Path:
    path = tmp_path / "net.py"
    path.write_text(MODEL, encoding="utf-8")
    return path


def test_export_mode_runs_only_the_export_rules(tmp_path) -> None:
    path = _write(tmp_path)
    exported = lint_paths([str(path)], Config(mode="export"))
    rows = sorted((d.location.row, d.code) for d in exported.diagnostics)
    # the scripted helper's and the ignored method's branches (export traces both), forward's branch;
    # TS504 on both decorators; nothing in the method forward never calls
    assert rows == [(5, "TS504"), (7, "TS501"), (13, "TS504"), (15, "TS501"), (26, "TS501")], rows
    assert {d.mode.value for d in exported.diagnostics} == {"export"}
    default = lint_paths([str(path)], Config())
    assert default.diagnostics and not any(d.code.startswith("TS5") for d in default.diagnostics)


def test_mode_export_on_the_command_line_and_in_pyproject(tmp_path, capsys) -> None:
    path = _write(tmp_path)
    assert main(["--isolated", "--no-cache", "--mode", "export", "--output-format", "json", str(path)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert {d["mode"] for d in report["diagnostics"]} == {"export"}
    assert {d["code"] for d in report["diagnostics"]} == {"TS501", "TS504"}
    (tmp_path / "pyproject.toml").write_text('[tool.tslint]\nmode = "export"\n', encoding="utf-8")
    assert main(["--no-cache", "--output-format", "json", str(path)]) == 1
    assert {d["code"] for d in json.loads(capsys.readouterr().out)["diagnostics"]} == {"TS501", "TS504"}


def test_shape_specialization_is_off_by_default(tmp_path) -> None:
    path = tmp_path / "net.py"
    path.write_text(
        "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def forward(self, x):\n"
        "        if x.shape[0] > 4:\n            return x * 2\n        return x\n",
        encoding="utf-8",
    )
    codes = {
        select: {d.code for d in lint_paths([str(path)], Config(mode="export", select=select)).diagnostics}
        for select in (("TS",), ("TS5",), ("TS", "TS503"))
    }
    assert codes == {("TS",): set(), ("TS5",): set(), ("TS", "TS503"): {"TS503"}}


DECLARED = textwrap.dedent("""\
    import torch.nn as nn


    def _clip(x):
        if x.shape[0] > 4:
            return x[:4]
        return x


    class Declared(nn.Module):
        def forward(self, x):
            return _clip(x) * 2


    class Undeclared(nn.Module):
        def forward(self, x):
            if x.shape[0] > 4:
                return x * 2
            return x * 3
""")


def test_dynamic_shapes_enable_shape_specialization_for_their_classes(tmp_path, capsys) -> None:
    """`[tool.tslint.confirm] dynamic-shapes` names the classes with dynamic dimensions: TS503 reports
    in what export runs for them (a helper included), not in other classes; `--select TS503` still
    reports everywhere, and `ignore` turns it off. The cache tells the declarations apart."""
    (tmp_path / "models.py").write_text(DECLARED, encoding="utf-8")
    config = tmp_path / "pyproject.toml"

    def rows(*options: str, declared: str = "Declared") -> list:
        config.write_text(
            '[tool.tslint]\nmode = "export"\n\n[tool.tslint.confirm]\n'
            f'dynamic-shapes = {{ "models:{declared}" = "shapes:dynamic" }}\n',
            encoding="utf-8",
        )
        main(["--config", str(config), "--output-format", "json", *options, str(tmp_path / "models.py")])
        return sorted((d["location"]["row"], d["code"]) for d in json.loads(capsys.readouterr().out)["diagnostics"])

    assert rows() == [(5, "TS503")]
    assert rows(declared="Undeclared") == [(17, "TS503")]  # the cache does not answer with the other's
    assert rows("--select", "TS503") == [(5, "TS503"), (17, "TS503")]
    assert rows("--ignore", "TS503") == []
    assert rows("--select", "TS501") == []


def test_cache_answers_export_mode_apart(tmp_path, capsys, monkeypatch) -> None:
    """The same file linted in both modes with the cache on: each mode gets its own findings."""
    path = _write(tmp_path)
    monkeypatch.chdir(tmp_path)
    for _ in range(2):
        assert main(["--isolated", "--mode", "export", "--output-format", "json", str(path)]) == 1
        assert {d["code"][:3] for d in json.loads(capsys.readouterr().out)["diagnostics"]} == {"TS5"}
        assert main(["--isolated", "--output-format", "json", str(path)]) == 1
        assert "TS5" not in {d["code"][:3] for d in json.loads(capsys.readouterr().out)["diagnostics"]}


CYCLE = textwrap.dedent("""\
    import torch
    import torch.nn as nn


    def _kept(scores, n: int):
        if n == 0:
            return torch.where(scores > 0)[0]
        return _again(scores, n - 1)


    def _again(scores, n: int):
        return _kept(scores * 0.5, n)


    class Net(nn.Module):
        def forward(self, x):
            keep = _again(x.sum(1), 2)
            if keep.shape[0] > 1:
                return x[keep]
            return x
    """)


def test_summaries_of_mutually_recursive_helpers(tmp_path) -> None:
    """`_again` returns what `_kept` returns, and `_kept` calls `_again` back: the summaries are
    computed again until stable, and the result of either is known to have data-dependent rows."""
    path = tmp_path / "cycle.py"
    path.write_text(CYCLE, encoding="utf-8")
    result = lint_paths([str(path)], Config(mode="export"))
    assert [(d.location.row, d.code) for d in result.diagnostics] == [(18, "TS502")]


def test_shape_summaries_only_in_export_mode(tmp_path, monkeypatch) -> None:
    """The summaries cost a pass per parameter of each helper: only export rules ask for them."""
    from tslint.rules.export import _shape_summaries

    asked = []
    original = _shape_summaries.summarize
    monkeypatch.setattr(_shape_summaries, "summarize", lambda *a: asked.append(a[0].name.value) or original(*a))
    path = tmp_path / "cycle.py"
    path.write_text(CYCLE, encoding="utf-8")
    lint_paths([str(path)], Config())
    assert asked == []
    lint_paths([str(path)], Config(mode="export"))
    assert sorted(set(asked)) == ["_again", "_kept"]
