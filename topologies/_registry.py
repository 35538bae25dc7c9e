"""The topology registry: generators by name, built-ins and third-party plug-ins.

Third-party packages plug in through the ``netaval.topologies`` entry-point group; each
entry point names a module or object whose import registers generators with
`topologies.register`. Entry points are loaded lazily on the first lookup; a plug-in
that fails to import, or that reuses a taken name, is skipped with a warning.
"""

from __future__ import annotations

import inspect
import numbers
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from netaval._plugins import load_plugins
from netaval._validation import Constraint, Interval, check_param, check_params, forwarded_from
from netaval.errors import InvalidParameterError

if TYPE_CHECKING:
    from netaval.network import Network

__all__ = ["TopologySpec", "register", "unregister", "available", "get", "generate", "validate_call",
           "required_parameters", "describe_parameters"]

ENTRY_POINT_GROUP = "netaval.topologies"

#: Largest network netaval holds (int32 neuron ids).
_MAX_NODES = 2**31 - 1
#: Lower bound of a generated network's memory per neuron (indptr, one edge, scratch).
_BYTES_PER_NODE = 32
_REGISTRY: dict[str, TopologySpec] = {}
_entry_points_loaded = False


@dataclass(frozen=True)
class TopologySpec:
    """What the registry knows about one generator.

    Attributes
    ----------
    name : str
        Registry name, used by `generate`, studies and the command line.
    function : callable
        ``function(n_nodes, *, **params, seed=None) -> Network``.
    constraints : dict of str to constraint
        One constraint per keyword parameter (checked by `validate_call`).
    n_nodes : Interval
        Constraint on ``n_nodes``.
    example : dict
        Valid parameters for a small graph (used by the contract tests and ``--help``).
    description : str
        One line: what the generator builds.
    reference : str
        The model it follows.
    random : bool
        False for deterministic generators (which take no seed).
    check : callable or None
        ``check(n_nodes, params)``: constraints between ``n_nodes`` and the parameters (a
        lattice's perfect power, ``k < n_nodes``), run by `validate_call` with every default
        filled in, so a study refuses them before anything is built.
    """

    name: str
    function: Callable[..., Network]
    constraints: dict[str, Constraint]
    example: dict[str, Any]
    description: str
    reference: str = ""
    n_nodes: Interval = field(default_factory=lambda: Interval(numbers.Integral, 1, _MAX_NODES))
    random: bool = True
    check: Callable[[int, dict[str, Any]], None] | None = None


def register(name: str, *, constraints: dict[str, Constraint], example: dict[str, Any],
             description: str, reference: str = "",
             n_nodes: Interval | None = None, random: bool = True,
             check: Callable[[int, dict[str, Any]], None] | None = None) -> Callable:
    """Decorator registering a generator function under ``name``.

    Parameters
    ----------
    name : str
        Registry name (unique).
    constraints : dict of str to constraint
        One `netaval._validation` constraint per keyword parameter of the generator.
    example : dict
        Valid parameters for a small graph (used by contract tests).
    description : str
        One line: what the generator builds.
    reference : str, optional
        The model or paper it follows.
    n_nodes : Interval, optional
        Constraint on ``n_nodes``; default an int >= 1.
    random : bool, default True
        False for deterministic generators, which take no ``seed``.
    check : callable, optional
        ``check(n_nodes, params)`` raising `InvalidParameterError` for constraints that
        involve several parameters or ``n_nodes``; `validate_call` runs it with the
        defaults filled in (see `TopologySpec`).

    Returns
    -------
    callable
        The decorator; it returns the generator unchanged.

    Raises
    ------
    InvalidParameterError
        If ``name`` is already registered.

    Examples
    --------
    >>> import numbers, topologies
    >>> from netaval._validation import Interval
    >>> @topologies.register("doc_ring", constraints={}, example={},
    ...                      description="Directed ring.", random=False)
    ... def doc_ring(n_nodes):
    ...     return netaval.Network.from_edges(np.arange(n_nodes), (np.arange(n_nodes) + 1) % n_nodes,
    ...                                       n_nodes)
    >>> topologies.generate("doc_ring", 4).n_edges
    4
    >>> topologies.unregister("doc_ring")
    """

    def decorator(function: Callable[..., Network]) -> Callable[..., Network]:
        if name in _REGISTRY:
            raise InvalidParameterError(
                f"A topology named {name!r} is already registered "
                f"(by {_REGISTRY[name].function.__module__}); choose a unique name."
            )
        _REGISTRY[name] = TopologySpec(
            name=name, function=function, constraints=dict(constraints), example=dict(example),
            description=description, reference=reference,
            n_nodes=n_nodes or Interval(numbers.Integral, 1, _MAX_NODES), random=random,
            check=check,
        )
        return function

    return decorator


def unregister(name: str) -> None:
    """Remove ``name`` from the registry (for plug-in authors' tests).

    Parameters
    ----------
    name : str
        A registered name; unknown names are ignored.
    """
    _REGISTRY.pop(name, None)


def _adopt_spec(loaded: Any) -> None:
    """An entry point may name a `TopologySpec` directly instead of registering one."""
    if isinstance(loaded, TopologySpec) and loaded.name not in _REGISTRY:
        _REGISTRY[loaded.name] = loaded


def _load_entry_points() -> None:
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    load_plugins(ENTRY_POINT_GROUP, _REGISTRY, "Topology", adopt=_adopt_spec)


def available() -> list[str]:
    """Sorted names of every registered topology, plug-ins included.

    Examples
    --------
    >>> import topologies
    >>> {"random", "small_world", "scale_free", "lattice"} <= set(topologies.available())
    True
    """
    _load_entry_points()
    return sorted(_REGISTRY)


def get(name: str) -> TopologySpec:
    """Return the `TopologySpec` registered under ``name``.

    Parameters
    ----------
    name : str
        A name from `available`.

    Returns
    -------
    TopologySpec

    Raises
    ------
    InvalidParameterError
        Listing the known names when ``name`` is unknown.
    """
    _load_entry_points()
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise InvalidParameterError(
            f"The 'name' parameter of topologies.get must be a registered topology. Unknown "
            f"topology {name!r}; known topologies are {sorted(_REGISTRY)}."
        ) from None


def _check_spec(owner: str, spec: Any) -> None:
    if not isinstance(spec, TopologySpec):
        raise InvalidParameterError(f"The 'spec' parameter of {owner} must be a TopologySpec "
                                    f"(topologies.get(name)). Got {type(spec).__name__}.")


def required_parameters(spec: TopologySpec) -> list[str]:
    """Names of the keyword parameters of ``spec.function`` that have no default.

    Parameters
    ----------
    spec : TopologySpec

    Returns
    -------
    list of str

    Examples
    --------
    >>> import topologies
    >>> topologies.required_parameters(topologies.get("small_world"))
    ['k', 'p']
    """
    _check_spec("topologies.required_parameters", spec)
    signature = inspect.signature(spec.function)
    return [key for key in spec.constraints
            if key in signature.parameters
            and signature.parameters[key].default is inspect.Parameter.empty]


def describe_parameters(spec: TopologySpec) -> str:
    """The keyword parameters of ``spec.function``: required ones marked, defaults shown.

    Parameters
    ----------
    spec : TopologySpec

    Returns
    -------
    str

    Examples
    --------
    >>> import topologies
    >>> topologies.describe_parameters(topologies.get("random"))
    'k (required), directed=True'
    """
    _check_spec("topologies.describe_parameters", spec)
    signature = inspect.signature(spec.function)
    parts = []
    for key in spec.constraints:
        default = signature.parameters[key].default if key in signature.parameters else None
        parts.append(f"{key} (required)" if default is inspect.Parameter.empty
                     else f"{key}={default!r}")
    return ", ".join(parts) or "no parameters"


def validate_call(name: str, n_nodes: Any, params: dict[str, Any]) -> None:
    """Check ``n_nodes`` and keyword ``params`` of generator ``name`` against its spec.

    Parameters
    ----------
    name : str
        A registered generator.
    n_nodes : int
        The requested number of nodes.
    params : dict
        The generator's keyword parameters.

    Raises
    ------
    InvalidParameterError
        Naming the first parameter that violates its constraint, or the constraint
        between parameters (the spec's ``check``) that fails.

    Examples
    --------
    >>> from topologies._registry import validate_call
    >>> validate_call("lattice", 4096, {"dim": 2})
    >>> validate_call("lattice", 4000, {"dim": 2})
    Traceback (most recent call last):
    ...
    netaval.errors.InvalidParameterError: topologies.lattice: n_nodes must be a perfect ...
    """
    spec = _REGISTRY[name]
    check_param(f"topologies.{name}", "n_nodes", n_nodes, spec.n_nodes)
    from netaval._memory import available_memory

    available = available_memory()
    if available is not None and n_nodes * _BYTES_PER_NODE > available:
        raise InvalidParameterError(
            f"The 'n_nodes' parameter of topologies.{name} asks for {n_nodes} neurons, whose "
            f"network needs more than the {available / 2**30:.1f} GiB of memory available "
            f"(at least {_BYTES_PER_NODE} bytes per neuron). Got {n_nodes}.")
    check_params(f"topologies.{name}", params, spec.constraints)
    missing = [key for key in required_parameters(spec) if key not in params]
    if missing:
        raise InvalidParameterError(f"topologies.{name} is missing required parameter(s) "
                                    f"{missing}; its parameters are {describe_parameters(spec)}.")
    if spec.check is not None:
        signature = inspect.signature(spec.function)
        defaults = {key: signature.parameters[key].default for key in spec.constraints
                    if key in signature.parameters
                    and signature.parameters[key].default is not inspect.Parameter.empty}
        spec.check(int(n_nodes), {**defaults, **params})


def generate(name: str, n_nodes: int, *, seed: Any = None, **params: Any) -> Network:
    """Build a network with the generator registered as ``name``.

    Parameters
    ----------
    name : str
        A name from `available`.
    n_nodes : int
        Number of neurons.
    seed : None, int or numpy.random.Generator
        See the README's Randomness section; ignored by deterministic generators.
    **params
        The generator's keyword parameters.

    Examples
    --------
    >>> import topologies
    >>> net = topologies.generate("random", 100, k=5, seed=1)
    >>> net.n_nodes, net.topology
    (100, 'random')
    """
    with forwarded_from("topologies.generate"):  # get and the generator name themselves
        spec = get(name)
        unknown = sorted(set(params) - set(spec.constraints))
        missing = [key for key in required_parameters(spec) if key not in params]
        if unknown or missing:
            problem = (f"got unexpected parameter(s) {unknown}" if unknown
                       else f"is missing required parameter(s) {missing}")
            raise InvalidParameterError(
                f"topologies.{name} {problem}; its parameters are {describe_parameters(spec)}."
            )
        if spec.random:
            return spec.function(n_nodes, seed=seed, **params)
        return spec.function(n_nodes, **params)
