"""Exception and warning classes raised by netaval.

Every public function raises one of these (or a builtin it derives from), with a
message that names the offending parameter, what was expected and what was received.
"""

__all__ = [
    "NetavalError",
    "InvalidParameterError",
    "MalformedNetworkError",
    "RunawayActivityError",
    "CorruptFileError",
    "InvariantError",
    "MissingRecordError",
    "NetavalWarning",
]


class NetavalError(Exception):
    """Base class of every exception raised on purpose by netaval."""


class InvalidParameterError(NetavalError, ValueError, TypeError):
    """Raised when a public function or model receives a parameter it cannot use.

    Derives from both `ValueError` and `TypeError` (as scikit-learn's class of the same
    name) so that existing ``except ValueError`` clauses keep working.
    """


class MalformedNetworkError(NetavalError, ValueError):
    """Raised when connectivity arrays do not describe a valid network.

    Examples: a non-square matrix, a column index out of range, negative or NaN weights,
    an ``indptr`` that is not non-decreasing.
    """


class RunawayActivityError(NetavalError, RuntimeError):
    """Raised when a simulation exceeds its ``max_events`` budget.

    Supercritical activity grows without bound; rather than exhausting memory netaval
    stops and raises this, unless the caller asked for the truncated result instead.
    """


class CorruptFileError(NetavalError, ValueError):
    """Raised when a file cannot be read: a saved run that is truncated, corrupted or not
    written by netaval, or a user's spike or network file with a row that does not parse
    (the message gives the line and the reason)."""


class InvariantError(NetavalError, AssertionError):
    """Raised by `Events.check_invariants` when a causal record is inconsistent.

    Examples: a parent that fires after its child, a parent on a neuron with no synapse
    onto the child's neuron, a generation that is not one more than the primary parent's.
    """


class MissingRecordError(NetavalError, LookupError):
    """Raised when a query needs data the run did not keep.

    Example: the causal DAG of an avalanche, or its per-generation counts, of a run
    simulated with ``record="avalanches"`` (per-avalanche summaries only); the message
    names the ``record`` level the query needs.
    """


class NetavalWarning(UserWarning):
    """Warned for legal but statistically questionable requests."""
