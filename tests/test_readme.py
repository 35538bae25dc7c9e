"""The README's library tour runs as written."""

import re
from pathlib import Path

import netaval

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_library_tour_runs(tmp_path, monkeypatch, capsys):
    """Every ```python block of the README executes without error (files go to a temp dir)."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)
    assert blocks, "the README has no python example"
    monkeypatch.chdir(tmp_path)
    before = set(netaval.models.available())
    try:
        for block in blocks:
            exec(compile(block, str(README), "exec"), {})
    finally:  # the "Writing a model" example registers a model: leave the registry as found
        for name in set(netaval.models.available()) - before:
            netaval.models.unregister(name)
    assert (tmp_path / "run.parquet").exists()
    assert "alpha" in capsys.readouterr().out
