"""Where a warning points: at the line that called the public function that warned.

A ``stacklevel=2`` warning names the caller of the function whose body warns. Under mutation
testing mutmut wraps every mutated function in two frames of its own file: an outer wrapper
(made with ``functools.wraps``, so it has ``__wrapped__``) calling a trampoline that calls the
body. There ``stacklevel=2`` names the trampoline, a wrong ``stacklevel=3`` names the outer
wrapper (the same file, so a file-name check alone cannot tell them apart), and 4 the caller.
"""


def _lines(func):
    return {line for _, _, line in func.__code__.co_lines() if line is not None}


def assert_warned_at_caller(warning, func, caller_file):
    """Assert ``warning`` (a ``warnings.WarningMessage`` from ``func``, called from
    ``caller_file``) names the caller: that file and not a line of ``func`` itself; under
    mutmut, the trampoline: its file and not a line of the outer wrapper ``func``."""
    where = (warning.filename, warning.lineno)
    expected_file = func.__code__.co_filename if hasattr(func, "__wrapped__") else caller_file
    assert warning.filename == expected_file, f"the warning points at {where}"
    assert not (warning.filename == func.__code__.co_filename
                and warning.lineno in _lines(func)), f"the warning points into {func} at {where}"
