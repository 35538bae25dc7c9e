"""Doctest namespace: ``np`` and ``netaval`` are available in every docstring example."""

import numpy as np
import pytest

import netaval


@pytest.fixture(autouse=True)
def _doctest_namespace(doctest_namespace):
    doctest_namespace["np"] = np
    doctest_namespace["netaval"] = netaval
