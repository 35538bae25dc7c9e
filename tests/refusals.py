"""The message of the error a call raises, for tests that pin messages exactly."""

import pytest


def raised_message(error, function, *args, **kwargs):
    """``str`` of the ``error`` that ``function(*args, **kwargs)`` raises; fails the test if
    it raises none (or another type)."""
    with pytest.raises(error) as info:
        function(*args, **kwargs)
    return str(info.value)
