"""Lazy package attributes: a package's public names are imported on first access.

``import netaval``, ``import netaval.io`` and ``import netaval.study`` load nothing heavy;
a name is imported from the module that defines it when it is first used, then kept in the
package's namespace, so later accesses are plain attribute lookups.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

__all__ = ["lazy_attributes"]


def lazy_attributes(package: str, exports: dict[str, str], public: list[str]):
    """The module ``__getattr__`` and ``__dir__`` of a package with lazy public names.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    exports : dict of str to str
        Public name -> the module defining it. Any other name that is not private and names
        a submodule of ``package`` is that submodule, imported.
    public : list of str
        The package's ``__all__`` (listed by ``dir`` before they are imported).

    Returns
    -------
    (callable, callable)
        ``__getattr__`` and ``__dir__``; an unknown name raises `AttributeError`.

    Examples
    --------
    >>> getattr_, dir_ = lazy_attributes("netaval", {"Network": "netaval.network"}, [])
    >>> getattr_("Network").__name__, getattr_("errors").__name__
    ('Network', 'netaval.errors')
    """

    def __getattr__(name: str):
        if name in exports:
            value = getattr(importlib.import_module(exports[name]), name)
        elif not name.startswith("_") and importlib.util.find_spec(f"{package}.{name}") is not None:
            value = importlib.import_module(f"{package}.{name}")
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        vars(sys.modules[package])[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(public))

    return __getattr__, __dir__
