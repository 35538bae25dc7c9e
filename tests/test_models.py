"""Tests for netaval.models: validation, registry, transmission probabilities."""

import numpy as np
import pytest
from reference import random_network

import netaval
from netaval._validation import invalid_values
from netaval.errors import InvalidParameterError
from netaval.models import Branching, ContactProcess, FacilitatedContact, available, get, register
from netaval.models.branching import _CONSTRAINTS as BRANCHING_CONSTRAINTS
from netaval.models.contact_process import _CONSTRAINTS as CP_CONSTRAINTS
from netaval.models.facilitated_contact import _CONSTRAINTS as FC_CONSTRAINTS

VALID = {Branching: {"sigma": 1.0, "normalization": "out_degree", "refractory": 1, "drive": 0.0},
         ContactProcess: {"rate": 2.0, "drive": 0.0},
         FacilitatedContact: {"rate": 0.9, "omega": 2.0, "drive": 0.0}}
CASES = [(cls, name, bad)
         for cls, constraints in ((Branching, BRANCHING_CONSTRAINTS),
                                  (ContactProcess, CP_CONSTRAINTS),
                                  (FacilitatedContact, FC_CONSTRAINTS))
         for name, constraint in constraints.items()
         for bad in [*invalid_values(constraint), float("inf")]
         if not (bad == float("inf") and name in ("normalization", "refractory"))]


@pytest.mark.parametrize(("cls", "name", "bad"), CASES,
                         ids=[f"{c.__name__}-{n}-{b!r}" for c, n, b in CASES])
def test_invalid_parameter_is_refused_naming_it(cls, name, bad):
    """Every invalid parameter value raises InvalidParameterError naming parameter and class."""
    params = dict(VALID[cls], **{name: bad})
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter of {cls.__name__}"):
        cls(**params)


def test_models_are_frozen_and_importable_from_netaval():
    """Models are frozen dataclasses, the same objects in netaval and netaval.models."""
    model = netaval.Branching(sigma=0.5)
    assert netaval.Branching is Branching and netaval.ContactProcess is ContactProcess
    with pytest.raises(AttributeError):
        model.sigma = 2.0
    assert model == Branching(sigma=0.5)


def test_registry_lists_and_gets_models():
    """available() lists the built-in models, sorted; get(name)(**params) builds one."""
    names = available()
    assert names == sorted(names) and {"branching", "contact_process", "facilitated_contact",
                                       "millman"} <= set(names)
    assert get("branching")(sigma=0.7) == Branching(sigma=0.7)
    assert get("contact_process") is ContactProcess


def test_registry_unknown_name_lists_known_ones():
    """An unknown model name raises, listing the known names."""
    with pytest.raises(InvalidParameterError, match="branching.*contact_process"):
        get("lif")


def test_registry_refuses_duplicate_name():
    """Registering a different class under a taken name raises."""
    with pytest.raises(InvalidParameterError, match="already registered"):
        register("branching")(type("Other", (), {}))


def test_out_degree_normalization_gives_sigma_per_neuron():
    """p_ij = sigma / k_out(j): expected offspring sigma for every neuron with synapses."""
    net = random_network(50, 4, seed=1)
    p_row, _, per_synapse, _ = Branching(sigma=0.9).transmission(net)
    assert not per_synapse
    np.testing.assert_allclose(p_row * net.out_degree, 0.9)


def test_spectral_normalization_sets_spectral_radius():
    """'spectral': the spectral radius of p * A equals sigma."""
    net = random_network(60, 3, seed=2)
    p_row, _, _, _ = Branching(sigma=0.8, normalization="spectral").transmission(net)
    binary = netaval.Network(net.indptr, net.indices, None, n_nodes=net.n_nodes)
    assert np.ptp(p_row) == 0
    assert p_row[0] * binary.spectral_radius() == pytest.approx(0.8)


def test_weights_normalization_scales_weights():
    """'weights': a spike crosses synapse i -> j with p = sigma * w_ij (binomial, z = 4).

    One neuron drives 3 x 2000 targets with weights 0.2, 0.5 and 1; with sigma = 0.8 the
    fraction of each class that fires one step later is 0.16, 0.4 and 0.8 (out_degree
    normalization would give 0.8 / 6000 for all).
    """
    from tests.stats import assert_within_z

    n_each, sigma = 2000, 0.8
    levels = np.array([0.2, 0.5, 1.0])
    weights = np.repeat(levels, n_each)
    net = netaval.Network.from_edges(np.zeros(3 * n_each, np.int64), np.arange(1, 3 * n_each + 1),
                                     n_nodes=3 * n_each + 1, weights=weights)
    run = netaval.simulate(net, Branching(sigma=sigma, normalization="weights"),
                           protocol="spreading", initial=[0], seed=3)
    fired = np.zeros(3 * n_each + 1, bool)
    fired[run.events.neuron[run.events.time == 1]] = True
    for level, chunk in zip(levels, np.split(fired[1:], 3), strict=True):
        p = sigma * level
        assert_within_z(chunk.mean(), p, np.sqrt(p * (1 - p) / n_each), what=f"p at w = {level}")


@pytest.mark.parametrize(("normalization", "sigma"),
                         [("out_degree", 3.5), ("spectral", 50.0), ("weights", 2.0)],
                         ids=["out_degree", "spectral", "weights"])
def test_probability_above_one_raises_naming_sigma(normalization, sigma):
    """A transmission probability above 1 is an error naming sigma (never clipped)."""
    net = random_network(30, 3, seed=4)
    with pytest.raises(InvalidParameterError, match="'sigma'"):
        Branching(sigma=sigma, normalization=normalization).transmission(net)


def test_spectral_normalization_on_acyclic_network_raises():
    """'spectral' on a DAG (spectral radius 0) raises, pointing to 'out_degree'."""
    net = netaval.Network.from_edges([0, 1], [1, 2], n_nodes=3)
    with pytest.raises(InvalidParameterError, match="out_degree"):
        Branching(sigma=1.0, normalization="spectral").transmission(net)


def test_geometric_rows_only_for_sparse_success():
    """Geometric skipping is used on high-degree rows (k >= 16 (k p + 1)), not on low ones."""
    hub = netaval.Network.from_edges([0] * 40 + [1] * 4, list(range(1, 41)) + [2, 3, 4, 5],
                                     n_nodes=41)
    _, inv_log_q, _, _ = Branching(sigma=1.0).transmission(hub)
    assert inv_log_q[0] == pytest.approx(1 / np.log1p(-1 / 40)) and inv_log_q[1] == 0.0
