"""Model registry: look models up by name (``netaval.models.get("branching")``)."""

from __future__ import annotations

from netaval.errors import InvalidParameterError

__all__ = ["register", "available", "get"]

_MODELS: dict[str, type] = {}


def register(name: str):
    """Class decorator registering a model class under ``name``; a name is taken once.

    Parameters
    ----------
    name : str
        Name under which `get` finds the class (also set as its ``name`` attribute).

    Examples
    --------
    >>> "branching" in netaval.models.available()
    True
    """

    def decorator(cls: type) -> type:
        if name in _MODELS and _MODELS[name] is not cls:
            raise InvalidParameterError(
                f"A model named {name!r} is already registered ({_MODELS[name].__name__}); "
                "register yours under a different name."
            )
        _MODELS[name] = cls
        cls.name = name
        return cls

    return decorator


def available() -> list[str]:
    """Names of the registered models, sorted.

    Examples
    --------
    >>> netaval.models.available()
    ['branching', 'contact_process']
    """
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
    if not isinstance(name, str) or name not in _MODELS:
        raise InvalidParameterError(
            f"The 'name' parameter of netaval.models.get must be one of {available()}. "
            f"Got {name!r} instead."
        )
    return _MODELS[name]
