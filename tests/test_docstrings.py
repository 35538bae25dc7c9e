"""Every public function documents exactly its signature's parameters (stumpy's docstring.py)."""

import inspect
import re

import pytest

import netaval
import netaval.binning
import netaval.io
import netaval.models
import netaval.plot
import netaval.stats
import netaval.study
import netaval.study.analyses
import topologies

MODULES = [netaval, netaval.binning, netaval.io, netaval.io.runs, netaval.io.graphml,
           netaval.io.dataset, netaval.models, netaval.stats, netaval.plot, netaval.study,
           netaval.study.analyses, topologies]
SECTION = re.compile(r"^(\w[\w ]*)\n-{3,}$", re.MULTILINE)


def _public_callables():
    seen = {}
    for module in MODULES:
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if inspect.isfunction(obj):
                seen[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return sorted(seen.items())


def documented_parameters(doc: str) -> list[str] | None:
    """Names listed in the numpydoc Parameters section, or None if there is none."""
    doc = inspect.cleandoc(doc)
    sections = list(SECTION.finditer(doc))
    for index, match in enumerate(sections):
        if match.group(1) != "Parameters":
            continue
        end = sections[index + 1].start() if index + 1 < len(sections) else len(doc)
        names = []
        for line in doc[match.end():end].splitlines():
            if line and not line[0].isspace():
                for part in line.split(" : ")[0].split(","):
                    names.append(part.strip().lstrip("*"))
        return names
    return None


def signature_parameters(function) -> list[str]:
    return [name for name in inspect.signature(function).parameters if name not in ("self", "cls")]


@pytest.mark.parametrize(("qualname", "function"), _public_callables(), ids=lambda v: v
                         if isinstance(v, str) else "")
def test_parameters_section_matches_signature(qualname, function):
    """The Parameters section names the signature's parameters, in order."""
    assert function.__doc__, f"{qualname} has no docstring"
    documented = documented_parameters(function.__doc__)
    expected = signature_parameters(function)
    if documented is None:
        assert not expected, f"{qualname} takes {expected} but has no Parameters section"
    else:
        assert documented == expected, f"{qualname}: documented {documented}, signature {expected}"


def test_the_checker_catches_a_mismatch():
    """The checker itself fails on a docstring that forgets a parameter."""

    def wrong(a, b):
        """Do it.

        Parameters
        ----------
        a : int
            First.
        """

    assert documented_parameters(wrong.__doc__) != signature_parameters(wrong)
