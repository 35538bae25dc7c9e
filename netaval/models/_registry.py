"""Model registry: look models up by name (``netaval.models.get("branching")``).

Third-party packages plug in through the ``netaval.models`` entry-point group (as
topologies do through ``netaval.topologies``): each entry point names a module or class
whose import registers a model with `register`. Entry points are loaded lazily on the
first lookup; a plug-in that fails to import, or that does not register the model its
entry point names, is skipped with a warning.
"""

from __future__ import annotations

from netaval._plugins import load_plugins
from netaval.errors import InvalidParameterError

__all__ = ["register", "unregister", "available", "get", "ENTRY_POINT_GROUP"]

ENTRY_POINT_GROUP = "netaval.models"

_MODELS: dict[str, type] = {}
_entry_points_loaded = False


def register(name: str):
    """Class decorator registering a model class under ``name``; a name is taken once.

    Parameters
    ----------
    name : str
        Name under which `get` finds the class (also set as its ``name`` attribute).

    Raises
    ------
    InvalidParameterError
        If the name is taken, or the class does not follow the engine protocol (a frozen
        dataclass with a bool ``continuous_time`` and an ``engine`` method).

    Examples
    --------
    >>> "branching" in netaval.models.available()
    True
    """
    if not isinstance(name, str) or not name:
        raise InvalidParameterError(
            f"The 'name' parameter of netaval.models.register must be a non-empty str. "
            f"Got {name!r} instead."
        )

    def decorator(cls: type) -> type:
        if name in _MODELS and _MODELS[name] is not cls:
            raise InvalidParameterError(
                f"A model named {name!r} is already registered ({_MODELS[name].__name__}); "
                "register yours under a different name."
            )
        params = getattr(cls, "__dataclass_params__", None)
        if (params is None or not params.frozen
                or not isinstance(getattr(cls, "continuous_time", None), bool)
                or not callable(getattr(cls, "engine", None))):
            raise InvalidParameterError(
                f"netaval.models.register({name!r}) needs a frozen dataclass with a bool "
                f"class attribute 'continuous_time' and an 'engine(task, recorder)' method "
                f"(see netaval.models._engine). Got {cls!r}."
            )
        _MODELS[name] = cls
        cls.name = name
        return cls

    return decorator


def unregister(name: str) -> None:
    """Remove ``name`` from the registry (for plug-in authors' tests); unknown names are
    ignored.

    Parameters
    ----------
    name : str
        A registered name.
    """
    _MODELS.pop(name, None)


def _load_entry_points() -> None:
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    load_plugins(ENTRY_POINT_GROUP, _MODELS, "Model")


def available() -> list[str]:
    """Names of the registered models (plug-ins included), sorted.

    Examples
    --------
    >>> netaval.models.available()[:2]
    ['branching', 'contact_process']
    """
    _load_entry_points()
    return sorted(_MODELS)


def get(name: str) -> type:
    """The model class registered under ``name``.

    Parameters
    ----------
    name : str
        A name from `available`.

    Raises
    ------
    InvalidParameterError
        For an unknown name; the message lists the known ones.

    Examples
    --------
    >>> netaval.models.get("contact_process")(rate=2.0)
    ContactProcess(rate=2.0, drive=0.0)
    """
    _load_entry_points()
    if not isinstance(name, str) or name not in _MODELS:
        raise InvalidParameterError(
            f"The 'name' parameter of netaval.models.get must be one of {available()}. "
            f"Got {name!r} instead."
        )
    return _MODELS[name]
