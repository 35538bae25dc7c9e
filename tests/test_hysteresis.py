"""netaval.hysteresis: quasi-static sweeps by continuation, and the blocking standard error."""

import math

import numpy as np
import pytest
from stats import assert_stderr_matches_spread, assert_within_z

import netaval
import topologies
from netaval.errors import InvalidParameterError
from netaval.hysteresis import COLUMNS, blocked_stderr


def _complete(n):
    src, dst = np.nonzero(~np.eye(n, dtype=bool))
    return netaval.Network.from_edges(src, dst, n_nodes=n)


def test_blocked_stderr_matches_ar1_theory():
    """AR(1) series x_t = phi x_(t-1) + e_t: the variance of the mean of n values is
    (1 + phi) / (1 - phi) / (1 - phi**2) / n to O(1/n^2); blocking recovers it while the
    naive estimate is sqrt((1 + phi) / (1 - phi)) = 4.4 times too small for phi = 0.9."""
    phi, n, reps = 0.9, 2**14, 40
    rng = np.random.default_rng(1)
    means, errors = [], []
    for _ in range(reps):
        e = rng.normal(size=n)
        x = np.empty(n)
        x[0] = e[0] / math.sqrt(1 - phi**2)  # stationary start
        for t in range(1, n):
            x[t] = phi * x[t - 1] + e[t]
        means.append(x.mean())
        errors.append(blocked_stderr(x))
    exact = math.sqrt((1 + phi) / (1 - phi) / (1 - phi**2) / n)
    assert_stderr_matches_spread(means, errors)
    # relative noise of one blocked estimate at >= 32 blocks is <= 1 / sqrt(64)
    assert_within_z(np.mean(errors), exact, exact / math.sqrt(64 * reps) * 2, what="mean stderr")


def test_blocked_stderr_edge_cases():
    """Constant series: 0; fewer than 2 samples: NaN; non-numbers refused."""
    assert blocked_stderr(np.ones(100)) == 0.0
    assert math.isnan(blocked_stderr([1.0]))
    with pytest.raises(InvalidParameterError, match="'series' parameter of blocked_stderr"):
        blocked_stderr("abc")


def test_table_layout_and_reproducibility():
    """Rows: up-sweep in order, then down-sweep in reverse; the seed fixes everything."""
    net = topologies.random(200, k=6, seed=1)
    model = netaval.Branching(sigma=0.5, drive=1e-3)
    table = netaval.hysteresis(net, model, "sigma", [0.5, 0.7, 0.9], relax=50, measure=200,
                               seed=3)
    assert list(table.columns) == list(COLUMNS)
    assert table["direction"].tolist() == ["up"] * 3 + ["down"] * 3
    assert table["value"].tolist() == [0.5, 0.7, 0.9, 0.9, 0.7, 0.5]
    again = netaval.hysteresis(net, model, "sigma", [0.5, 0.7, 0.9], relax=50, measure=200,
                               seed=3)
    assert table.equals(again)
    assert (table["n_events"] > 0).all() and (table["density_stderr"] > 0).all()


def test_contact_process_on_a_complete_graph_follows_mean_field():
    """Continuous transition (omega = 0): both sweeps give the stable root of
    -rho + (1 - rho)(lambda' rho + h) = 0, lambda' = lambda N / (N - 1) (contacts go to the
    N - 1 others), within z = 4 reported standard errors; the sweeps agree (no hysteresis)."""
    n, h = 1000, 0.01
    net = _complete(n)
    rates = [0.5, 1.5, 2.5]
    table = netaval.hysteresis(net, netaval.ContactProcess(rate=1.0, drive=h), "rate", rates,
                               relax=20.0, measure=300.0, seed=2)
    for row in table.itertuples():
        lam = row.value * n / (n - 1)
        roots = np.roots([-lam, lam - 1 - h, h])
        rho = float(roots[(roots > 0) & (roots < 1)][0].real)
        assert_within_z(row.density, rho, row.density_stderr, what=f"density at {row.value}")
    up, down = table[table.direction == "up"], table[table.direction == "down"][::-1]
    for a, b in zip(up.itertuples(), down.itertuples(), strict=True):
        assert_within_z(a.density - b.density, 0.0,
                        math.hypot(a.density_stderr, b.density_stderr), what="up - down")
    # in the active phase nearly every activation has a parent: f_ext ~ h (1 - rho) / rho
    active = table[table.value == 2.5].iloc[0]
    assert active.f_ext < 0.02 and active.branching_ratio > 0.97


@pytest.mark.parametrize("kind", ["branching", "contact"])
def test_density_stderr_matches_replicate_spread(kind):
    """Over independent sweeps, the spread of the measured density matches the reported
    blocking standard error (z = 4 on the ratio, 40 replicates), for a strongly correlated
    near-critical series where an i.i.d. standard error would be several times too small."""
    net = topologies.random(500, k=10, seed=4)
    if kind == "branching":
        model, span = netaval.Branching(sigma=0.95, refractory=1, drive=2e-4), (200, 4000)
        parameter, value = "sigma", 0.95
    else:
        # from quiescence the activity grows at rate ~ lambda - 1: relax well beyond the
        # ~20 time units it takes to reach the active state; the correlation time is ~6,
        # so the window spans > 100 of them (blocked_stderr's condition)
        model, span = netaval.ContactProcess(rate=1.3, drive=2e-3), (100.0, 800.0)
        parameter, value = "rate", 1.3
    density, stderr = [], []
    for seed in range(40):
        table = netaval.hysteresis(net, model, parameter, [value], relax=span[0],
                                   measure=span[1], seed=seed)
        up = table.iloc[0]
        density.append(up.density)
        stderr.append(up.density_stderr)
    assert_stderr_matches_spread(density, stderr)


def test_plugin_style_models_need_a_final_state():
    """A model whose engine returns no final state cannot be swept: a clear error."""
    import dataclasses

    from netaval.models import Outcome

    @dataclasses.dataclass(frozen=True)
    class Silent:
        drive: float = 0.1
        continuous_time = False

        def engine(self, task, recorder):
            return Outcome(n_events=0, end_time=task.limit, status="limit",
                           alive=np.zeros(0, np.int32))

    net = topologies.random(20, k=3, seed=1)
    with pytest.raises(InvalidParameterError, match="continuable"):
        netaval.hysteresis(net, Silent(), "drive", [0.1], relax=1, measure=1)


def test_invalid_arguments_are_refused_naming_them():
    """Each argument is checked, naming it and the function."""
    net = topologies.random(20, k=3, seed=1)
    model = netaval.ContactProcess(rate=1.0, drive=0.1)
    good = {"relax": 1.0, "measure": 1.0}
    cases = [((object(), model, "rate", [1.0]), good, "network"),
             ((net, object(), "rate", [1.0]), good, "model"),
             ((net, model, "sigma", [1.0]), good, "parameter"),
             ((net, model, "rate", []), good, "values"),
             ((net, model, "rate", [[1.0]]), good, "values"),
             ((net, model, "rate", [-1.0]), good, "values"),
             ((net, model, "rate", [1.0]), {"relax": -1.0, "measure": 1.0}, "relax"),
             ((net, model, "rate", [1.0]), {"relax": 1.0, "measure": 0.0}, "measure"),
             ((net, model, "rate", [1.0]), {"relax": 1.0, "measure": math.inf}, "measure"),
             ((net, netaval.Branching(sigma=1.0), "sigma", [1.0]),
              {"relax": 1.5, "measure": 2}, "relax"),
             ((net, model, "rate", [1.0]), {**good, "progress": "yes"}, "progress")]
    for args, kwargs, name in cases:
        with pytest.raises(InvalidParameterError, match=f"'{name}' parameter of hysteresis"):
            netaval.hysteresis(*args, **kwargs)
