"""The sdist carries what the tests need, so pytest runs from an unpacked sdist."""

import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NEEDED = ["LICENSE", "README.md", "conftest.py", "pyproject.toml", "tests/conftest.py",
          "tests/stats.py", "tests/reference.py", "tests/data/format_v1_expected.json",
          "netaval/__init__.py", "topologies/__init__.py", "docs/conf.py"]


def test_license_metadata():
    """SPDX license expression, license file, URLs, classifiers and keywords are declared."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "BSD-3-Clause" and project["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text().startswith("BSD 3-Clause License")
    assert {"Homepage", "Source", "Issues", "Documentation"} <= set(project["urls"])
    assert project["keywords"] and any("Science/Research" in c for c in project["classifiers"])


@pytest.mark.slow
def test_pytest_runs_from_an_unpacked_sdist(tmp_path):
    """Build the sdist (isolated, as pip would), unpack it, and run tests from it."""
    pytest.importorskip("build")
    done = subprocess.run([sys.executable, "-m", "build", "--sdist", "--outdir", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    (archive,) = tmp_path.glob("netaval-*.tar.gz")
    with tarfile.open(archive) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
        tar.extractall(tmp_path / "unpacked", filter="data")
    missing = [name for name in NEEDED if name not in names]
    assert not missing, missing
    assert not any("__pycache__" in name or "/results/" in name for name in names)
    (source,) = (tmp_path / "unpacked").iterdir()
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          "tests/test_stats_helpers.py", "tests/test_io.py", "tests/test_lazy_imports.py"],
                         cwd=source, capture_output=True, text=True, timeout=900,
                         env={**__import__("os").environ, "PYTHONPATH": str(source)})
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
