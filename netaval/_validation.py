"""Small shared validators: parameter constraints checked once at the public boundary.

Constraints are declarative (scikit-learn's ``_param_validation`` idea) so that a contract
test can generate one invalid value per constraint and check that it is refused with a
message naming the parameter.
"""

from __future__ import annotations

import contextlib
import math
import numbers
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from netaval.errors import InvalidParameterError

__all__ = [
    "Interval",
    "Options",
    "Boolean",
    "check_param",
    "check_params",
    "invalid_values",
    "as_float_array",
    "exact_column",
    "sealed",
    "check_path",
    "forwarded_from",
    "MAX_RESAMPLES",
]

#: Upper bound of every bootstrap / synthetic-sample count (``n_boot``, ``n_samples``):
#: 100 000 resamples give a p-value to within 0.002 and keep a call bounded in time (each
#: resample is a Python-level iteration, so Ctrl-C interrupts it).
MAX_RESAMPLES = 100_000


@dataclass(frozen=True)
class Interval:
    """A real or integer number in a range; ``closed`` is "both", "left", "right" or "neither"."""

    kind: type  # numbers.Integral or numbers.Real
    low: float | None = None
    high: float | None = None
    closed: str = "both"
    allow_none: bool = False

    def describe(self) -> str:
        what = "an int" if self.kind is numbers.Integral else "a float"
        lo = "-inf" if self.low is None else repr(self.low)
        hi = "inf" if self.high is None else repr(self.high)
        left = "[" if self.closed in ("both", "left") and self.low is not None else "("
        right = "]" if self.closed in ("both", "right") and self.high is not None else ")"
        text = f"{what} in the range {left}{lo}, {hi}{right}"
        return text + " or None" if self.allow_none else text

    def accepts(self, value: Any) -> bool:
        if value is None:
            return self.allow_none
        if isinstance(value, bool) or not isinstance(value, self.kind):
            return False
        try:  # ints are compared exactly below; a float parameter must fit in a float
            if math.isnan(float(value)):
                return False
        except OverflowError:  # e.g. 10**400: no float holds it, an int kind compares it
            if self.kind is numbers.Real or not isinstance(value, numbers.Integral):
                return False
        if self.low is not None:
            if value < self.low or (value == self.low and self.closed in ("right", "neither")):
                return False
        if self.high is not None:
            if value > self.high or (value == self.high and self.closed in ("left", "neither")):
                return False
        if self.kind is numbers.Real and not math.isfinite(value) and self.high is None:
            return value > 0 and self.low is not None  # +inf allowed only for open-ended ranges
        return True


@dataclass(frozen=True)
class Options:
    """One of a fixed set of values (usually strings)."""

    values: tuple

    def describe(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self.values)

    def accepts(self, value: Any) -> bool:
        # the type first: an array compared with == would be ambiguous
        return any(type(value) is type(v) and value == v for v in self.values)


@dataclass(frozen=True)
class Boolean:
    """A Python or numpy bool."""

    def describe(self) -> str:
        return "a bool"

    def accepts(self, value: Any) -> bool:
        return isinstance(value, bool | np.bool_)


Constraint = Interval | Options | Boolean


def check_param(owner: str, name: str, value: Any, constraint: Constraint) -> Any:
    """Raise `InvalidParameterError` if ``value`` violates ``constraint``; return it otherwise.

    Examples
    --------
    >>> import numbers
    >>> from netaval._validation import Interval, check_param
    >>> check_param("f", "p", 0.5, Interval(numbers.Real, 0, 1))
    0.5
    >>> check_param("f", "p", 1.5, Interval(numbers.Real, 0, 1))
    Traceback (most recent call last):
    ...
    netaval.errors.InvalidParameterError: The 'p' parameter of f must be a float in the range [0, 1]. Got 1.5 instead.
    """
    if not constraint.accepts(value):
        raise InvalidParameterError(
            f"The {name!r} parameter of {owner} must be {constraint.describe()}. "
            f"Got {value!r} instead."
        )
    return value


def check_params(owner: str, values: dict[str, Any], constraints: dict[str, Constraint]) -> None:
    """Check every ``values[name]`` against ``constraints[name]``; unknown names are refused."""
    unknown = sorted(set(values) - set(constraints))
    if unknown:
        raise InvalidParameterError(
            f"{owner} got unexpected parameter(s) {unknown}; "
            f"expected some of {sorted(constraints)}."
        )
    for name, value in values.items():
        check_param(owner, name, value, constraints[name])


def invalid_values(constraint: Constraint) -> list[Any]:
    """Values that violate ``constraint`` (for contract tests)."""
    if isinstance(constraint, Boolean):
        return ["yes", 1.5]
    if isinstance(constraint, Options):
        return ["__not_an_option__", None]
    bad: list[Any] = ["text", float("nan")]
    if constraint.kind is numbers.Integral:
        bad.append(1.5)
    if constraint.low is not None:
        bad.append(constraint.low - 1)
    if constraint.high is not None:
        bad.append(constraint.high + 1)
    if not constraint.allow_none:
        bad.append(None)
    return bad


def as_float_array(owner: str, name: str, values: Any, *, ndim: int = 1,
                   allow_empty: bool = True, finite: bool = True) -> np.ndarray:
    """Convert ``values`` to a float64 array, refusing wrong shapes, NaN/inf and non-numbers."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(
            f"The {name!r} parameter of {owner} must be array-like of numbers. "
            f"Got {type(values).__name__} that cannot be converted ({exc})."
        ) from None
    if array.ndim != ndim:
        raise InvalidParameterError(
            f"The {name!r} parameter of {owner} must be {ndim}-dimensional. "
            f"Got shape {array.shape} instead."
        )
    if not allow_empty and array.size == 0:
        raise InvalidParameterError(f"The {name!r} parameter of {owner} must not be empty.")
    if finite and not np.all(np.isfinite(array)):
        bad = int(np.flatnonzero(~np.isfinite(array.ravel()))[0])
        raise InvalidParameterError(
            f"The {name!r} parameter of {owner} must contain only finite values. "
            f"Got {array.ravel()[bad].item()!r} at position {bad}."
        )
    return array


def exact_column(owner: str, name: str, values: Any, dtype: Any, *, length: int | None = None,
                 at_least: bool = False, integral_floats: bool = False, nan: bool = True,
                 copy: bool = False) -> np.ndarray:
    """``values`` as a contiguous 1-D array of ``dtype`` holding exactly the values given:
    nothing is stored as another value (no wrap-around, truncation or rounding).

    Numbers are accepted for a float ``dtype``; integers for an integer ``dtype``, within
    its range (an empty float array too, as ``np.array([])`` is float64), and integral
    floats with ``integral_floats``. ``dtype=None`` (a time column) keeps floats as
    float64 and integers as int64. ``length``: the number of entries (the least number
    with ``at_least``); ``nan=False`` refuses NaN; ``copy`` returns a fresh array. Anything
    else raises `InvalidParameterError` naming ``name`` and ``owner``.

    Examples
    --------
    >>> from netaval._validation import exact_column
    >>> exact_column("f", "ids", [1.0, 2.0], np.int32, integral_floats=True)
    array([1, 2], dtype=int32)
    >>> exact_column("f", "ids", [0, 2**31], np.int32)
    Traceback (most recent call last):
    ...
    netaval.errors.InvalidParameterError: The 'ids' parameter of f must fit in int32. ...
    """
    def invalid(text: str) -> InvalidParameterError:
        return InvalidParameterError(f"The {name!r} parameter of {owner} {text}.")

    try:
        array = np.asarray(values)
    except (TypeError, ValueError) as exc:
        raise invalid(f"must be a 1-dimensional array of numbers ({exc})") from None
    if array.ndim != 1:
        raise invalid(f"must be 1-dimensional. Got shape {array.shape} instead")
    if length is not None and (len(array) < length if at_least else len(array) != length):
        raise invalid(f"must have {'at least ' if at_least else ''}{length} entries. Got "
                      f"{len(array)}")
    kind = array.dtype.kind
    time_like = dtype is None
    if time_like:
        dtype = np.float64 if kind == "f" else np.int64
    floating = np.dtype(dtype).kind == "f"
    allowed = "iuf" if floating or integral_floats or time_like or not array.size else "iu"
    if kind not in allowed:
        what = "integers or floats" if allowed == "iuf" else "integers"
        raise invalid(f"must hold {what}. Got dtype {array.dtype} instead")
    if kind == "f" and array.size:
        if not nan and np.isnan(array).any():
            raise invalid("must not hold NaN")
        if not floating and not (np.isfinite(array).all() and (array == np.round(array)).all()):
            raise invalid("must hold integers. Got fractional or infinite values")
    if not floating and array.size and array.dtype != dtype:
        info = np.iinfo(dtype)
        low, high = array.min(), array.max()
        if low < info.min or high > info.max:
            shown = (f"{low:.0f}, {high:.0f}" if kind == "f" else f"{low}, {high}")
            raise invalid(f"must fit in {np.dtype(dtype).name}. Got values in [{shown}]")
    if copy:
        return np.array(array, dtype=dtype, order="C", copy=True)
    return np.ascontiguousarray(array, dtype=dtype)


def sealed(array: np.ndarray) -> np.ndarray:
    """A read-only view of ``array`` whose write flag cannot be turned back on.

    The buffer that owns the data is made read-only too, so ``setflags(write=True)`` on
    the returned view raises. Call it only on arrays nobody else may write to (a private
    copy, or a buffer netaval allocated): it makes the owner read-only in place.

    Examples
    --------
    >>> from netaval._validation import sealed
    >>> view = sealed(np.arange(3))
    >>> view.setflags(write=True)
    Traceback (most recent call last):
    ...
    ValueError: cannot set WRITEABLE flag to True of this array
    """
    owner = array
    while isinstance(owner.base, np.ndarray):
        owner = owner.base
    owner.setflags(write=False)
    view = array.view()
    view.setflags(write=False)
    return view


def check_path(owner: str, name: str, path: Any) -> str:
    """``path`` as a str, refusing anything that is not a str or path-like object.

    Examples
    --------
    >>> from netaval._validation import check_path
    >>> check_path("f", "path", 3.5)
    Traceback (most recent call last):
    ...
    netaval.errors.InvalidParameterError: The 'path' parameter of f must be a str or ...
    """
    import os

    if not isinstance(path, str | os.PathLike):
        raise InvalidParameterError(f"The {name!r} parameter of {owner} must be a str or "
                                    f"path-like object. Got {type(path).__name__} instead.")
    path = os.fspath(path)
    if not isinstance(path, str):  # bytes paths
        raise InvalidParameterError(f"The {name!r} parameter of {owner} must be a str "
                                    f"path. Got {type(path).__name__} instead.")
    return path


@contextlib.contextmanager
def forwarded_from(owner: str) -> Iterator[None]:
    """Name ``owner`` in an `InvalidParameterError` raised by the public function it forwards
    the user's arguments to (``topologies.generate`` -> ``topologies.random``).

    The inner function's message names the inner function; ``owner: `` is prefixed unless
    the message already names ``owner``, so the error names the function the user called
    and the one that refused the value. Forwarded again (``run`` -> ``load_study`` ->
    ...), the outer caller's prefix replaces the inner caller's: the message names the
    function the user called once, never a chain ``outer: inner: ...``. The exception is
    re-raised as is (same type).

    Examples
    --------
    >>> from netaval._validation import forwarded_from
    >>> with forwarded_from("outer"):
    ...     check_param("inner", "p", -1, Interval(numbers.Real, 0, 1))
    Traceback (most recent call last):
    ...
    netaval.errors.InvalidParameterError: outer: The 'p' parameter of inner must be ...
    """
    try:
        yield
    except InvalidParameterError as exc:
        message = str(exc)
        inner = getattr(exc, "forwarded_prefix", "")  # set by an inner forwarded_from
        if inner and message.startswith(inner):
            message = message[len(inner):]
        prefix = "" if owner in message else f"{owner}: "
        exc.args = (prefix + message, *exc.args[1:])
        exc.forwarded_prefix = prefix
        raise
