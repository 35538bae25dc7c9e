"""netaval._validation pinned exactly: messages say what was expected, boundaries are exact.

Written from the survivors of mutation testing (mutmut on netaval/_validation.py): the
describe() texts, the open/closed ends and the +inf rule were read by no test.
"""

import math
import numbers

import numpy as np
import pytest

from netaval._validation import (
    Boolean,
    Interval,
    Options,
    as_float_array,
    check_param,
    check_params,
    invalid_values,
)
from netaval.errors import InvalidParameterError

INT, REAL = numbers.Integral, numbers.Real


@pytest.mark.parametrize("constraint, text", [
    (Interval(INT, 0), "an int in the range [0, inf)"),
    (Interval(REAL, 0, 1), "a float in the range [0, 1]"),
    (Interval(REAL, 0, 1, "left"), "a float in the range [0, 1)"),
    (Interval(REAL, 0, 1, "right"), "a float in the range (0, 1]"),
    (Interval(REAL, 0, None, "neither"), "a float in the range (0, inf)"),
    (Interval(REAL, None, 2.5), "a float in the range (-inf, 2.5]"),
    (Interval(INT, 1, 5, allow_none=True), "an int in the range [1, 5] or None"),
    (Options(("a", "b")), "one of 'a', 'b'"),
    (Boolean(), "a bool"),
])
def test_describe_texts(constraint, text):
    """Each constraint describes itself exactly, and check_param's message quotes it."""
    assert constraint.describe() == text
    with pytest.raises(InvalidParameterError) as info:
        check_param("owner_f", "p", "bad", constraint)
    assert str(info.value) == f"The 'p' parameter of owner_f must be {text}. Got 'bad' instead."


@pytest.mark.parametrize("closed, accepts_low, accepts_high", [
    ("both", True, True), ("left", True, False), ("right", False, True),
    ("neither", False, False),
])
def test_interval_ends(closed, accepts_low, accepts_high):
    """The ends are in or out exactly as ``closed`` says; inside in, outside out."""
    c = Interval(REAL, 0.0, 1.0, closed)
    assert c.accepts(0.0) is accepts_low and c.accepts(1.0) is accepts_high
    assert c.accepts(0.5) and not c.accepts(-1e-12) and not c.accepts(1 + 1e-12)


def test_interval_types_nan_inf_none():
    """bool and non-numbers refused, NaN refused, +inf only for open-ended ranges, None only
    when allowed; an int is a float but not vice versa."""
    real, integral = Interval(REAL, 0), Interval(INT, 0)
    assert real.accepts(3) and real.accepts(np.float64(2.5)) and real.accepts(math.inf)
    assert integral.accepts(np.int64(3)) and not integral.accepts(3.0)
    assert not real.accepts(True) and not integral.accepts(False) and not real.accepts("1")
    assert not real.accepts(math.nan)
    assert not Interval(REAL, 0, 10).accepts(math.inf)
    assert not Interval(REAL, None, None).accepts(math.inf)
    assert not Interval(REAL, 0).accepts(-math.inf)
    assert not real.accepts(None) and Interval(REAL, 0, allow_none=True).accepts(None)


def test_options_and_boolean_accept_exact_types():
    """Options compare value and type (1 is not True, 1.0 is not 1); Boolean takes numpy bools."""
    assert Options((1, "a")).accepts(1) and not Options((1,)).accepts(True)
    assert not Options((1,)).accepts(1.0) and not Options(("a",)).accepts("b")
    assert Boolean().accepts(True) and Boolean().accepts(np.bool_(False))
    assert not Boolean().accepts(1) and not Boolean().accepts("True")


def test_check_param_returns_value_and_check_params_refuses_unknown():
    """check_param returns the value; check_params names unknown parameters and checks each."""
    assert check_param("f", "p", 0.25, Interval(REAL, 0, 1)) == 0.25
    constraints = {"a": Interval(INT, 0), "b": Boolean()}
    check_params("f", {"a": 1, "b": True}, constraints)
    with pytest.raises(InvalidParameterError) as info:
        check_params("f", {"a": 1, "zz": 2, "yy": 3}, constraints)
    assert str(info.value) == "f got unexpected parameter(s) ['yy', 'zz']; expected some of ['a', 'b']."
    with pytest.raises(InvalidParameterError, match="'b' parameter of f"):
        check_params("f", {"a": 1, "b": 2}, constraints)


@pytest.mark.parametrize("constraint", [
    Interval(INT, 0, 10), Interval(REAL, 0, None, "neither"), Interval(INT, 1, allow_none=True),
    Options(("x",)), Boolean(),
])
def test_invalid_values_are_all_refused(constraint):
    """Every generated invalid value is refused, including both out-of-range ends."""
    bad = invalid_values(constraint)
    assert bad and not any(constraint.accepts(v) for v in bad)
    if isinstance(constraint, Interval):
        assert (constraint.low - 1 in bad) and (constraint.high is None or constraint.high + 1 in bad)
        assert (None in bad) is not constraint.allow_none
        assert (1.5 in bad) is (constraint.kind is INT)


def test_as_float_array_messages():
    """Shape, emptiness, finiteness and conversion errors name the parameter and the problem."""
    assert as_float_array("f", "x", [1, 2]).dtype == np.float64
    cases = [
        (dict(values=[[1.0]]), "The 'x' parameter of f must be 1-dimensional. Got shape (1, 1) instead."),
        (dict(values=[], allow_empty=False), "The 'x' parameter of f must not be empty."),
    ]
    for kwargs, message in cases:
        with pytest.raises(InvalidParameterError) as info:
            as_float_array("f", "x", **kwargs)
        assert str(info.value) == message
    with pytest.raises(InvalidParameterError,
                       match=r"^The 'x' parameter of f must contain only finite values\. "
                             r"Got inf at position 1\.$"):
        as_float_array("f", "x", [1.0, 2.0, -1.0, 3.0][:1] + [np.inf, np.nan])
    assert as_float_array("f", "x", [1.0, np.inf], finite=False)[1] == np.inf
    assert as_float_array("f", "x", [], allow_empty=True).size == 0
    with pytest.raises(InvalidParameterError) as info:
        as_float_array("f", "x", ["a"])
    assert str(info.value) == ("The 'x' parameter of f must be array-like of numbers. Got list "
                               "that cannot be converted (could not convert string to float: 'a').")


def test_check_path_messages():
    """Non-path values and path-likes that give bytes are refused by exact messages."""
    import pathlib

    from netaval._validation import check_path

    class BytesPath:
        def __fspath__(self):
            return b"/tmp/x"

    assert check_path("f", "path", pathlib.Path("/tmp/x")) == "/tmp/x"
    with pytest.raises(InvalidParameterError) as info:
        check_path("f", "path", 3.5)
    assert str(info.value) == ("The 'path' parameter of f must be a str or path-like object. "
                               "Got float instead.")
    with pytest.raises(InvalidParameterError) as info:
        check_path("f", "path", BytesPath())
    assert str(info.value) == "The 'path' parameter of f must be a str path. Got bytes instead."
