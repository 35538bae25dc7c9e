"""Shared test configuration: Hypothesis profiles, the seed fixture, doctest namespace."""

import os

import pytest
from hypothesis import HealthCheck, settings

# First calls compile numba kernels, so no deadline. CI runs derandomized so a CI run is
# reproducible; developers get random exploration with the example database.
settings.register_profile("dev", deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", deadline=None, print_blob=True, derandomize=True, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
# Mutation testing (tests/mutation/, README Development) runs each test once per mutant: the
# "mutation" profile is "ci" with 10 examples instead of 100 (tests that set max_examples
# themselves keep it). HYPOTHESIS_PROFILE=mutation selects it even when CI is set.
settings.register_profile("mutation", parent=settings.get_profile("ci"), max_examples=10)
_PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "dev")
# tests/mutation/ holds the mutation tools (scripts that need mutmut and command-line
# arguments), no tests: never import them for doctests
collect_ignore = ["mutation"]
settings.load_profile(_PROFILE if _PROFILE == "mutation" else "ci" if os.environ.get("CI") else _PROFILE)


def _seeds_from_env():
    """Seeds for the ``seed`` fixture: NETAVAL_TESTS_SEED = "42", "0-9" or "all" (0-99)."""
    value = os.environ.get("NETAVAL_TESTS_SEED", "42")
    if value == "all":
        return list(range(100))
    if "-" in value:
        low, high = (int(part) for part in value.split("-"))
        return list(range(low, high + 1))
    return [int(value)]


@pytest.fixture(params=_seeds_from_env())
def seed(request):
    """A fixed seed (42); set NETAVAL_TESTS_SEED to a value, range or 'all' to rotate it.

    A test that takes this fixture promises to pass for any seed in 0-99.
    """
    return request.param


def pytest_report_header(config):
    return (f"netaval seed fixture: NETAVAL_TESTS_SEED={os.environ.get('NETAVAL_TESTS_SEED', '42')}"
            " (set to a value, a range like 0-9, or 'all')")
