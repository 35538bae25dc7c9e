"""Regenerate the gallery's figures (``docs/gallery/*.png``) from the studies' small sizes.

    python docs/gallery/make_figures.py                       # every study, small sizes
    python docs/gallery/make_figures.py topology_structure    # only the studies named
    python docs/gallery/make_figures.py --work /tmp/gallery   # keep the study outputs

Each study runs at its ``small`` size, the way a user runs it (``netaval study run`` for
study files, ``python studies/<name>/run.py`` for scripts), into ``--work`` (default: a
temporary folder). The figures listed in `FIGURES` are copied here as 256-colour PNGs,
so the committed set stays well under 1 MB; the Sphinx build (``docs/gallery.md``) only
reads them, so building the documentation runs no simulation. Takes several minutes on
two cores (each study's small size).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent

#: study -> (command after the interpreter, figures to copy: paths relative to its output)
FIGURES = {
    "topology_comparison": (
        ["-m", "netaval", "study", "run", "studies/topology_comparison/study.toml",
         "--size", "small", "--no-progress"],
        ["figures/size_exponents.png", "figures/branching_ratios.png",
         "figures/sizes_spectral_barabasi_albert.png"]),
    "causal_vs_binned": (
        ["-m", "netaval", "study", "run", "studies/causal_vs_binned/study.toml",
         "--size", "small", "--no-progress"],
        ["figures/size_exponents.png", "figures/sizes_critical_random.png",
         "figures/sizes_millman_random.png"]),
    "dynamic_range": (
        ["-m", "netaval", "study", "run", "studies/dynamic_range/study.toml",
         "--size", "small", "--no-progress"],
        ["figures/dynamic_range_response.png", "figures/dynamic_range_delta.png"]),
    "millman_up_down": (["studies/millman_up_down/run.py"], ["phase_diagram.png"]),
    "topology_structure": (
        ["studies/topology_structure/run.py"],
        ["degree_distributions.png", "clustering_path_length.png", "spectral_radius.png"]),
}


def regenerate(study: str, work: Path) -> list[Path]:
    """Run one study into ``work/<study>`` and copy its gallery figures here."""
    command, figures = FIGURES[study]
    out = work / study
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(  # this checkout's netaval
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    subprocess.run([sys.executable, *command, "--out", str(out)], cwd=ROOT, env=env, check=True)
    written = []
    for name in figures:
        target = HERE / f"{study}__{Path(name).name}"
        with Image.open(out / name) as image:
            image.convert("RGB").quantize(colors=256).save(target, optimize=True)
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("studies", nargs="*", choices=[[], *FIGURES], metavar="STUDY",
                        help=f"studies to regenerate (default all: {', '.join(FIGURES)})")
    parser.add_argument("--work", type=Path, help="keep the study outputs in this folder")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="netaval-gallery-"))
    try:
        for study in args.studies or FIGURES:
            for path in regenerate(study, work):
                print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size / 1024:.0f} KiB)")
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    total = sum(p.stat().st_size for p in HERE.glob("*.png"))
    print(f"gallery: {total / 1024:.0f} KiB in {len(list(HERE.glob('*.png')))} figures")


if __name__ == "__main__":
    main()
