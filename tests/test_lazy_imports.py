"""``import netaval`` is lazy: public names resolve on first access, nothing heavy up front."""

import subprocess
import sys

import netaval


def test_exports_and_all_agree():
    """Every name in ``__all__`` is registered for lazy import, and nothing else is."""
    assert set(netaval.__all__) == set(netaval._EXPORTS) | netaval._SUBMODULES
    assert not set(netaval._EXPORTS) & netaval._SUBMODULES


def test_every_public_name_resolves_in_a_fresh_interpreter():
    """``from netaval import X`` and ``netaval.X`` give the same object for all of ``__all__``;
    importing the module ``netaval.simulate`` does not shadow the function ``netaval.simulate``."""
    code = ("import sys, types, netaval\n"
            "assert 'numba' not in sys.modules and 'scipy' not in sys.modules\n"
            "import netaval.simulate\n"
            "assert callable(netaval.simulate) and not isinstance(netaval.simulate, types.ModuleType)\n"
            "for name in netaval.__all__:\n"
            "    exec(f'from netaval import {name} as value')\n"
            "    assert value is getattr(netaval, name), name\n"
            "assert isinstance(netaval.models, types.ModuleType) and netaval.models.available()\n"
            "assert set(netaval.__all__) <= set(dir(netaval))\n"
            "print('ok')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout == "ok\n", done.stderr


def test_unknown_names_raise_attribute_error():
    """A misspelt name is an AttributeError (so hasattr and getattr defaults work)."""
    assert not hasattr(netaval, "simulat")
    assert getattr(netaval, "_private_thing", None) is None
