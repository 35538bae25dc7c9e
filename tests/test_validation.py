"""Tests of the shared validators and seed handling."""

import fractions
import math
import numbers

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netaval import InvalidParameterError
from netaval._random import as_generator, as_seed_sequence
from netaval._validation import (
    Boolean,
    Interval,
    Options,
    as_float_array,
    check_param,
    check_params,
    exact_column,
    forwarded_from,
    invalid_values,
)

CONSTRAINTS = [
    Interval(numbers.Real, 0, 1),
    Interval(numbers.Real, 0, None, closed="neither"),
    Interval(numbers.Integral, 1, None),
    Interval(numbers.Integral, 0, 10, allow_none=True),
    Options(("a", "b")),
    Boolean(),
]


@pytest.mark.parametrize("constraint", CONSTRAINTS, ids=repr)
def test_invalid_values_are_refused(constraint):
    """Every generated invalid value is refused, with the parameter and value in the message."""
    for value in invalid_values(constraint):
        with pytest.raises(InvalidParameterError, match="The 'x' parameter of f must be") as info:
            check_param("f", "x", value, constraint)
        assert repr(value) in str(info.value)


@pytest.mark.parametrize(
    ("constraint", "value"),
    [(Interval(numbers.Real, 0, 1), 0), (Interval(numbers.Real, 0, 1), 1.0),
     (Interval(numbers.Real, 0, 1), np.float32(0.5)), (Interval(numbers.Integral, 1, None), 10**12),
     (Interval(numbers.Integral, 0, 10, allow_none=True), None), (Options(("a", "b")), "b"),
     (Boolean(), np.True_)],
    ids=["low-edge", "high-edge", "numpy-float", "big-int", "none-allowed", "option", "np-bool"],
)
def test_valid_values_pass(constraint, value):
    """Valid values, including numpy scalars and closed edges, pass unchanged."""
    assert check_param("f", "x", value, constraint) is value


def test_open_interval_edges():
    """'neither' excludes both ends; booleans are not ints."""
    positive = Interval(numbers.Real, 0, None, closed="neither")
    with pytest.raises(InvalidParameterError, match=r"range \(0, inf\)"):
        check_param("f", "x", 0.0, positive)
    with pytest.raises(InvalidParameterError):
        check_param("f", "x", True, Interval(numbers.Integral, 0, None))


def test_check_params_refuses_unknown_names():
    """Unknown keyword parameters are listed with the expected ones."""
    with pytest.raises(InvalidParameterError, match=r"\['bogus'\].*\['k'\]"):
        check_params("f", {"bogus": 1}, {"k": Interval(numbers.Real)})


def test_as_float_array_checks_shape_and_finiteness():
    """NaN, wrong dimension and non-numbers are refused naming the parameter."""
    assert as_float_array("f", "x", [1, 2]).dtype == np.float64
    with pytest.raises(InvalidParameterError, match="'x'.*position 1"):
        as_float_array("f", "x", [1.0, np.nan])
    with pytest.raises(InvalidParameterError, match="1-dimensional"):
        as_float_array("f", "x", [[1.0]])
    with pytest.raises(InvalidParameterError, match="must not be empty"):
        as_float_array("f", "x", [], allow_empty=False)
    with pytest.raises(InvalidParameterError, match="array-like of numbers"):
        as_float_array("f", "x", ["a"])


@pytest.mark.parametrize("bad", [True, -1, 1.5, "1", np.random.RandomState(0)],
                         ids=["bool", "negative", "float", "str", "RandomState"])
def test_as_generator_refuses_ambiguous_seeds(bad):
    """Seeds numpy would silently accept or that are ambiguous raise InvalidParameterError."""
    with pytest.raises(InvalidParameterError, match="'seed' parameter of f "):
        as_generator(bad, owner="f")


def test_as_generator_is_reproducible_and_passes_generators_through():
    """Same int gives the same stream; a Generator is returned as is."""
    assert as_generator(3, owner="f").random() == as_generator(np.int64(3), owner="f").random()
    rng = np.random.default_rng(0)
    assert as_generator(rng, owner="f") is rng
    sequence = as_seed_sequence(None, owner="f")
    assert isinstance(sequence.entropy, int)
    again = as_generator(sequence.entropy, owner="f")
    assert again.random() == np.random.default_rng(sequence).random()


@pytest.mark.parametrize("value", [10**400, -10**400], ids=["1e400", "-1e400"])
def test_ints_beyond_float_range_are_compared_exactly(value):
    """An int no float holds is refused by a float parameter and by a bounded int one,
    compared exactly by an open-ended int one, never answered by OverflowError."""
    for constraint in (Interval(numbers.Real, 0, 1), Interval(numbers.Real, None, None),
                       Interval(numbers.Real, 0, None), Interval(numbers.Integral, 0, 10)):
        with pytest.raises(InvalidParameterError, match="The 'x' parameter of f must be"):
            check_param("f", "x", value, constraint)
    unbounded = Interval(numbers.Integral, 0, None)
    if value > 0:
        assert check_param("f", "x", value, unbounded) is value
    else:
        with pytest.raises(InvalidParameterError, match=r"range \[0, inf\)"):
            check_param("f", "x", value, unbounded)


@pytest.mark.parametrize("value", [10**400, -10**400], ids=["1e400", "-1e400"])
def test_ints_beyond_float_range_meet_each_bound_direction(value):
    """Past the float range, an int interval bounded below, bounded above or not at all
    compares the int exactly in both directions; a float interval bounded either way (or a
    Fraction of that size) is refused."""
    for low, high in [(0, None), (None, 0), (None, None), (-1, 1)]:
        expected = ((low is None or value >= low) and (high is None or value <= high))
        assert Interval(numbers.Integral, low, high).accepts(value) is expected, (low, high)
        assert Interval(numbers.Real, low, high).accepts(value) is False, (low, high)
    assert Interval(numbers.Real, None, None).accepts(fractions.Fraction(value)) is False
    assert Interval(numbers.Integral, None, 0, closed="neither").accepts(value) is (value < 0)


def test_forwarded_errors_name_each_caller_once():
    """A refusal forwarded through two callers names the outermost one once, not a chain
    of prefixes ("outer: middle: ..."); a message already naming the caller is kept."""
    with pytest.raises(InvalidParameterError) as info:
        with forwarded_from("outer"), forwarded_from("middle"):
            raise InvalidParameterError("Study key 'x': unknown key.")
    assert str(info.value) == "outer: Study key 'x': unknown key."
    with pytest.raises(InvalidParameterError) as info:
        with forwarded_from("outer"), forwarded_from("middle"):
            check_param("inner", "p", -1, Interval(numbers.Real, 0, 1))
    assert str(info.value) == ("outer: The 'p' parameter of inner must be a float in the range "
                               "[0, 1]. Got -1 instead.")
    with pytest.raises(InvalidParameterError) as info:
        with forwarded_from("outer"), forwarded_from("middle"):
            raise InvalidParameterError("The 'p' parameter of outer must be positive.")
    assert str(info.value) == "The 'p' parameter of outer must be positive."


SPEC = {"study": {"name": "demo", "seed": 1}, "grid": {"n_nodes": [50]},
        "limits": {"n_steps": 100},
        "topologies": [{"generator": "random", "params": {"k": -4.0}}],
        "models": [{"model": "branching", "sweep": {"sigma": [1.0]}}],
        "analyses": [{"name": "density"}]}


@pytest.mark.parametrize(("spec", "size", "message"), [
    (SPEC, None, "Study key 'topologies[0].params': The 'k' parameter of topologies.random "
                 "must be a float in the range [0, inf). Got -4.0 instead. (for n_nodes = 50)"),
    ({**SPEC, "x": 1}, None, "Study key 'x': unknown key; expected one of ['analyses', "
                             "'grid', 'limits', 'models', 'report', 'sizes', 'study', "
                             "'topologies']."),
    (SPEC, "huge", "Study key 'sizes': has no size 'huge'; sizes are []."),
])
def test_study_errors_name_the_function_called_once(spec, size, message, tmp_path):
    """netaval.study.run forwards load_study's refusals under its own name only."""
    import netaval.study

    with pytest.raises(InvalidParameterError) as info:
        netaval.study.load_study(spec, size=size)
    assert str(info.value) == f"load_study: {message}"
    with pytest.raises(InvalidParameterError) as info:
        netaval.study.run(spec, size=size, out=tmp_path / "out", executor="serial")
    assert str(info.value) == f"netaval.study.run: {message}"
    assert not (tmp_path / "out").exists()


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.one_of(st.integers(-2**40, 2**40), st.floats(-2**40, 2**40),
                                 st.sampled_from([float("nan"), float("inf")])),
                       max_size=8),
       as_float=st.booleans(), integral_floats=st.booleans())
def test_exact_column_keeps_every_value_or_refuses(values, as_float, integral_floats):
    """exact_column returns exactly the values given (as int32) or refuses them: ints
    inside int32 pass; floats pass only with integral_floats, finite and integral."""
    array = np.array([float(v) for v in values]) if as_float else np.array(
        [int(v) for v in values if v == v and abs(v) != float("inf")], np.int64)
    exact = all(float(v).is_integer() for v in array.tolist())
    fits = all(-2**31 <= v <= 2**31 - 1 for v in array.tolist() if np.isfinite(v))
    floats_ok = not as_float or integral_floats or array.size == 0
    expected = floats_ok and fits and (exact or not as_float)
    try:
        got = exact_column("f", "x", array, np.int32, integral_floats=integral_floats)
    except InvalidParameterError as exc:
        assert not expected, str(exc)
        assert str(exc).startswith("The 'x' parameter of f ")
    else:
        assert expected and got.dtype == np.int32 and got.flags.c_contiguous
        assert got.tolist() == [int(v) for v in array.tolist()]


def test_infinite_floats_only_where_a_range_is_open_that_way():
    """+inf is accepted by a float range bounded below only (``[0, inf)``), never by an
    unbounded one; -inf only by a range bounded above; an int range refuses both."""
    inf = math.inf
    assert Interval(numbers.Real, 0, None).accepts(inf)
    assert not Interval(numbers.Real, None, None).accepts(inf)
    assert not Interval(numbers.Real, None, None).accepts(-inf)
    assert not Interval(numbers.Real, 0, None).accepts(-inf)
    assert not Interval(numbers.Real, 0, 1).accepts(inf)
    assert Interval(numbers.Real, None, 0).accepts(-inf)
    assert not Interval(numbers.Integral, 0, None).accepts(inf)
