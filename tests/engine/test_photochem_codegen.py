"""The RODAS3 solver written out for a mechanism against the general one (docs/chemistry.md §8)."""

from __future__ import annotations

import types
from pathlib import Path

import numpy as np
import pytest

from engine.kernels import _rodas_grs
from engine.kernels import photochem as kernel
from engine.photochem import load_mechanism
from engine.photochem._codegen import solver_source
from engine.photochem._model import simulate
from tests.engine.photochem_cases import random_boxes

SEED = 8086
ROOT = Path(__file__).resolve().parents[2]


def test_the_packaged_solver_is_current():
    written = (ROOT / "engine" / "kernels" / "_rodas_grs.py").read_text("utf-8")
    assert written == solver_source(load_mechanism("GRS")), (
        "engine/kernels/_rodas_grs.py is stale: "
        "python -m engine.photochem._codegen GRS > engine/kernels/_rodas_grs.py"
    )


def test_a_solver_serves_its_structure_under_any_rate_constants_and_no_other():
    grs = load_mechanism("GRS")
    assert kernel.solver_for(grs.kernel_arrays) == 1
    assert kernel.solver_for(load_mechanism("CONDENSED").kernel_arrays) == 0
    faster = dict(grs.kernel_arrays, ka=grs.kernel_arrays["ka"] * 3.0)
    assert kernel.solver_for(faster) == 1
    ecoef = grs.kernel_arrays["ecoef"].copy()
    ecoef[0] *= 2.0  # another stoichiometry: the written-out solver no longer applies
    assert kernel.solver_for(dict(grs.kernel_arrays, ecoef=ecoef)) == 0


def _grs_twice(monkeypatch, copies: int):
    mechanism = load_mechanism("GRS")
    domain, weather, flux, initial, settings = random_boxes(mechanism, 96, 30, SEED)
    fluxes = [flux * (1.0 + 0.3 * c) for c in range(copies)]
    outputs = ("O3", "NO2", "NO")
    written = simulate(mechanism, domain, weather, fluxes, initial, settings, outputs=outputs)
    monkeypatch.setattr(kernel, "solver_for", lambda arrays: 0)
    general = simulate(mechanism, domain, weather, fluxes, initial, settings, outputs=outputs)
    return written, general


@pytest.mark.parametrize("copies", [1, 3])
def test_the_written_out_solver_takes_the_general_solvers_steps(monkeypatch, copies):
    written, general = _grs_twice(monkeypatch, copies)
    assert (written.status == 0).all() and (general.status == 0).all()
    # the same stages and step control: the same answer to round-off, and (bar a rare
    # accept/reject decision flipped by round-off) the same number of steps
    np.testing.assert_allclose(written.out, general.out, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(written.state, general.state, rtol=1e-9, atol=1e-9)
    same = written.steps == general.steps
    assert same.mean() >= 0.95, f"steps differ in {(~same).sum()} of {same.size} cells"


def _module(source: str) -> types.ModuleType:
    module = types.ModuleType("written_out")
    exec(compile(source, "written_out", "exec"), module.__dict__)  # noqa: S102 (our generator)
    return module


def test_the_generator_writes_any_mechanism_condensed_in_python_against_the_general_kernel():
    """The 22-reaction mechanism written out, run as plain Python on more boxes than lanes,
    against the compiled general solver box by box: the generator is not tied to the GRS,
    and lanes neither mix nor lose a box."""
    mechanism = load_mechanism("CONDENSED")
    module = _module(solver_source(mechanism))
    assert module.NR == len(mechanism.reactions) and module.NS == len(mechanism.species)
    integrate = module.integrate.py_func
    arrays = mechanism.kernel_arrays
    mi, mip, mf, mfp = kernel.pack(arrays)
    ns, lanes, nnz = module.NS, module.LANES, int(arrays["lcol"].size)
    rng = np.random.default_rng(SEED)
    boxes = lanes + 2  # more cells than lanes: lanes take the next cell when theirs is done
    y = np.empty((boxes, ns))
    k = np.empty((boxes, len(mechanism.reactions)))
    prod, loss = np.empty((boxes, ns)), np.empty((boxes, ns))
    for q in range(boxes):
        y[q] = np.abs(rng.normal(1.0, 1.0, ns)) * mechanism.background[arrays["order"]]
        y[q] += rng.uniform(0.0, 30.0, ns)
        tk, j = rng.uniform(285.0, 310.0), rng.uniform(0.0, 9e-3)
        kq = arrays["ka"] * np.exp(arrays["kc"] / tk) * (tk / 300.0) ** arrays["kb"]
        k[q] = np.where(arrays["kphot"] >= 0, kq * j, kq)
        prod[q] = rng.uniform(0.0, 2e-3, ns)
        loss[q] = rng.uniform(0.0, 1e-4)
    start = y.copy()
    hstep, taken = np.full(boxes, 60.0), np.zeros(boxes, np.int64)
    integrate(y, 3600.0, k, prod, loss, 3e-3, 1e-3, 20000, hstep, taken, boxes)
    for q in range(boxes):
        alone, h = start[q].copy(), np.array([60.0])
        steps = kernel._integrate(
            alone, 3600.0, k[q].copy(), prod[q].copy(), loss[q].copy(), mi, mip, mf, mfp, 3e-3,
            1e-3, 20000, h, np.empty((4, ns)), np.empty(ns), np.empty(ns), np.empty(nnz),
            np.empty(nnz),
        )  # fmt: skip
        assert taken[q] > 0 and steps > 0
        assert abs(taken[q] - steps) <= 1
        np.testing.assert_allclose(y[q], alone, rtol=1e-8, atol=1e-9)
        assert hstep[q] == pytest.approx(h[0], rel=1e-6)


def test_a_failed_written_out_step_is_reported_not_hidden():
    """NaN in one cell's rate constants: that cell reports failure (−1), the others finish."""
    ns, lanes = _rodas_grs.NS, _rodas_grs.LANES
    k = np.full((lanes, _rodas_grs.NR), 1e-3)
    k[1, 2] = np.nan
    y = np.ones((lanes, 2 * ns))
    taken = np.zeros(lanes, np.int64)
    _rodas_grs.integrate(
        y, 3600.0, k, np.zeros((lanes, 2 * ns)), np.zeros((lanes, 2 * ns)), 3e-3, 1e-3, 20000,
        np.full(lanes, 60.0), taken, lanes,
    )  # fmt: skip
    assert taken[1] == -1
    assert (np.delete(taken, 1) > 0).all()
    assert np.isfinite(np.delete(y, 1, axis=0)).all()
