"""The language server with a broken `[tool.tslint]`: the error is shown once, not on every lint
(every pause in typing), and again once the file was fixed and broken anew; the findings published
under the old config are withdrawn, not left at stale positions (audit, 2026-12-07)."""

from __future__ import annotations

import asyncio

import pytest

pytest.importorskip("pygls")

from lsprotocol import types  # noqa: E402

from test_lsp import _close, _codes, _open, _run, _session, _until  # noqa: E402

BAD = "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def forward(self, x, *args):\n        return x\n"


def test_a_config_error_is_shown_once_per_breakage(tmp_path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.tslint]\nselectt = ["TS1"]\n', encoding="utf-8")
    for name in "abcd":
        (tmp_path / f"{name}.py").write_text(BAD, encoding="utf-8")

    async def scenario() -> None:
        client, published, _ = await _session(tmp_path)
        try:
            for name in "abc":  # three lints, each failing on the config
                _open(client, (tmp_path / f"{name}.py").as_uri(), BAD)
            # An untitled buffer reads no config: the buffer thread lints in order, so its
            # publication comes after a, b and c failed.
            _open(client, "untitled:Untitled-1", BAD)
            params = await _until(published, lambda p: p.uri == "untitled:Untitled-1")
            assert _codes(params) == ["TS101"]
            shown = [m for m in client.shown if "unknown key `tool.tslint.selectt`" in m]
            assert len(shown) == 1, client.shown
            pyproject.write_text('[tool.tslint]\nselect = ["TS1"]\n', encoding="utf-8")
            _open(client, (tmp_path / "d.py").as_uri(), BAD)
            assert _codes(await _until(published, lambda p: p.uri.endswith("/d.py"))) == ["TS101"]
            pyproject.write_text('[tool.tslint]\nselectt = ["TS1"]\n', encoding="utf-8")
            uri = (tmp_path / "a.py").as_uri()
            client.text_document_did_save(
                types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
            )
            for _ in range(600):
                if len([m for m in client.shown if "selectt" in m]) == 2:
                    break
                await asyncio.sleep(0.1)
            assert len([m for m in client.shown if "selectt" in m]) == 2, client.shown
        finally:
            await _close(client)

    _run(scenario)


def test_a_broken_config_withdraws_the_findings_of_the_old_one(tmp_path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.tslint]\nselect = ["TS1"]\n', encoding="utf-8")
    (tmp_path / "a.py").write_text(BAD, encoding="utf-8")
    uri = (tmp_path / "a.py").as_uri()

    async def scenario() -> None:
        client, published, _ = await _session(tmp_path)
        try:
            _open(client, uri, BAD)
            assert _codes(await _until(published, lambda p: p.uri == uri)) == ["TS101"]
            pyproject.write_text('[tool.tslint]\nselectt = ["TS1"]\n', encoding="utf-8")
            client.text_document_did_save(
                types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
            )
            await _until(published, lambda p: p.uri == uri and not p.diagnostics)  # else: times out
            assert any("selectt" in m for m in client.shown), client.shown
        finally:
            await _close(client)

    _run(scenario)
