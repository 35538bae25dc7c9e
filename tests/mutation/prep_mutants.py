"""Prepare a mutated project copy for tests/mutation/run_mutants.py.

python tests/mutation/prep_mutants.py SRC_TREE DEST MODULE_PATH [MODULE_PATH ...]

Copies SRC_TREE (your worktree: its tracked + untracked-not-ignored files) to DEST (wiped
first), replaces each MODULE_PATH (e.g. netaval/stats/power_law.py) by mutmut 3.8.1's
mutated version, and writes DEST/names_<module>.txt with every mutant name of that module.
Then, from DEST:
  CI=true HYPOTHESIS_PROFILE=mutation PYTHONPATH=$PWD python tests/mutation/run_mutants.py \
      OUT.tsv NAMES.txt tests/test_a.py tests/test_b.py ...
OUT.tsv column 2: 0 survived, 1 killed, 33 no test reaches it, negative = signal/timeout (killed).
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

from mutmut.mutation.file_mutation import mutate_file_contents
from mutmut.utils.format_utils import get_mutant_name


def main(src: str, dest_dir: str, *modules: str) -> None:
    dest = Path(dest_dir).resolve()
    if dest.exists():
        shutil.rmtree(dest)
    files = subprocess.run(["git", "-C", src, "ls-files", "-co", "--exclude-standard"],
                           check=True, capture_output=True, text=True).stdout.split("\n")
    for f in filter(None, files):
        if f.startswith("mutants/") or not os.path.isfile(os.path.join(src, f)):
            continue
        (dest / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(os.path.join(src, f), dest / f)
    os.chdir(dest)  # mutmut reads [tool.mutmut] from the working directory
    for module in modules:
        source = (dest / module).read_text()
        mutated = mutate_file_contents(module, source)
        (dest / module).write_text(mutated.code)
        names = [get_mutant_name(Path(module), n) for n in mutated.mutant_names]
        tag = module.replace("/", "_").removesuffix(".py")
        (dest / f"names_{tag}.txt").write_text("\n".join(names) + "\n")
        print(module, len(names), "mutants ->", dest / f"names_{tag}.txt")


if __name__ == "__main__":
    main(*sys.argv[1:])
