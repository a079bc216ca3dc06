"""Benchmark: the photochemical scenario model (docs/chemistry.md), ours against NCAR MUSICA.

1. **Grid** — 100 k cells × 48 h, base and scenario as coupled copies after a 24-h spin-up
   (GRS, no winds), in a fresh worker process so its peak memory is its own: wall time and
   peak resident memory (goal < 10 s, < 2 GB on 2 cores).
2. **Per cell-hour against MUSICA** — N closed boxes (chemistry only) over 24 h of hourly
   photolysis and temperature, the same GRS reactions and rate constants given to MUSICA's MICM
   Rosenbrock solver as user-defined rates in mol m⁻³ and s (k_SI = k_ppb / (1e-9 · c_air)).
   Hourly mean O3 (trapezoid of the hour's ends) compared cell-hour by cell-hour (goal: within
   1 %), time per cell-hour (goal: ≥ 10 × faster). Without ``musica`` installed (``pip install
   'lantian[bench]'``), SciPy's Radau (rtol 1e-8) is the peer instead.
3. **Demo** — ``lantian scenario run`` on the demo data with 20 members (goal < 30 s).

Run: ``.venv/bin/python benchmarks/bench_photochem.py [--cells 100000] [--boxes 20000] [--no-demo]
[--demo-dir DIR]``
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import format_seconds, print_table, timeit  # noqa: E402

start = time.perf_counter()
from engine.photochem import load_mechanism, model_settings  # noqa: E402  (loads cached JIT)
from engine.photochem._domain import domain_of  # noqa: E402
from engine.photochem._model import emission_flux, simulate  # noqa: E402
from engine.photochem._weather import prepare_weather  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - start
R_GAS = 8.314462618


def _grid_inputs(cells: int, hours: int, seed: int = 1):
    """A regular lat/lon grid of about ``cells`` cells over the North China Plain, with random
    weather and emissions (kg h⁻¹ per cell) and a 40 % daytime VOC shift."""
    import xarray as xr

    mechanism = load_mechanism("GRS")
    settings = model_settings()
    ny = int(np.sqrt(cells / 1.25))
    nx = cells // ny
    grid = xr.Dataset(
        coords={"lat": 32.0 + 0.05 * np.arange(ny), "lon": 110.0 + 0.05 * np.arange(nx)}
    )
    domain = domain_of(grid)
    nc = domain.size
    rng = np.random.default_rng(seed)
    time_utc = np.datetime64("2026-07-01T16:00") + np.arange(hours).astype("timedelta64[h]")
    fields = {
        "t2m": (295.0 + 8 * rng.random(nc))[None, :] + np.zeros((hours, 1)),
        "pblh": 300.0
        + 1200.0 * np.clip(np.sin(np.pi * ((np.arange(hours) % 24) - 6) / 14), 0, None)[:, None]
        + np.zeros((1, nc)),
    }
    weather = prepare_weather(time_utc, domain, fields, settings)
    voc = np.broadcast_to(rng.gamma(2.0, 150.0, nc), (hours, nc))
    nox = np.broadcast_to(rng.gamma(2.0, 60.0, nc), (hours, nc))
    hour = (np.arange(hours) + 8 + 16) % 24  # CST
    shift = np.where((hour >= 9) & (hour < 18), -0.4, 0.4 * 9 / 15)[:, None] * voc
    base = emission_flux(voc, nox, mechanism, domain, weather.t2m, settings)
    scenario = emission_flux(voc + shift, nox, mechanism, domain, weather.t2m, settings)
    initial = np.tile(mechanism.background, (nc, 1))
    return mechanism, settings, domain, weather, base, scenario, initial


def _grid_case(cells: int, hours: int, queue) -> None:  # runs in a worker process
    mechanism, settings, domain, weather, base, scenario, initial = _grid_inputs(cells, hours)
    # warm the JIT caches on a tiny grid first: compile time is never timed
    tiny = _grid_inputs(64, 2)
    simulate(tiny[0], tiny[2], tiny[3], [tiny[4], tiny[5]], tiny[6], tiny[1])
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    spin = simulate(mechanism, domain, weather.hours(0, 24), [base[:24]], initial, settings)
    run = simulate(mechanism, domain, weather, [base, scenario], spin.state[0], settings)
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    delta = run.out[1] - run.out[0]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put(
        {
            "seconds": seconds,
            "cpu": cpu,
            "cells": domain.size,
            "peak_rss_mb": rss / 1024.0,
            "rss_before_mb": rss0 / 1024.0,
            "steps": float(run.steps.mean() / hours),
            "failed": int((run.status != 0).sum()),
            "delta_range": (float(np.nanmin(delta)), float(np.nanmax(delta))),
        }
    )


def _boxes(n: int, seed: int = 7):
    """Closed boxes: random T, initial NOx/O3/ROC, 24 h of hourly sun at 38° N midsummer."""
    import xarray as xr

    mechanism = load_mechanism("GRS")
    settings = model_settings()
    ny = 8
    grid = xr.Dataset(
        coords={"lat": 36.0 + 0.25 * np.arange(ny), "lon": 112.0 + 0.01 * np.arange(n // ny)}
    )
    domain = domain_of(grid)
    nc = domain.size
    rng = np.random.default_rng(seed)
    hours = 24
    time_utc = np.datetime64("2026-06-21T16:00") + np.arange(hours).astype("timedelta64[h]")
    t2m = rng.uniform(290.0, 305.0, nc)
    weather = prepare_weather(
        time_utc,
        domain,
        {"t2m": np.tile(t2m, (hours, 1)), "cloud_fraction": np.zeros((hours, nc))},
        settings,
    )
    initial = np.zeros((nc, len(mechanism.species)))
    for name, low, high in (("ROC", 50, 1500), ("NO", 2, 60), ("NO2", 5, 40), ("O3", 10, 80)):
        initial[:, mechanism.index(name)] = rng.uniform(low, high, nc)
    return mechanism, settings, domain, weather, initial


def _rates(mechanism, weather, t: int) -> np.ndarray:
    """Rate constants (cell, reaction) at hour ``t`` in ppb and s, from the kernel arrays."""
    a = mechanism.kernel_arrays
    tk = weather.t2m[t][:, None]
    mu = weather.cosz[t][:, None]
    k = a["ka"][None, :] * np.exp(a["kc"][None, :] / tk) * (tk / 300.0) ** a["kb"][None, :]
    p = np.maximum(a["kphot"], 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        j = a["pl"][p] * np.maximum(mu, 0) ** a["pm"][p] * np.exp(-a["pn"][p] / mu)
    j = np.where(mu > 0, j, 0.0) * weather.transmission[t][:, None]
    return np.where(a["kphot"][None, :] >= 0, k * j, k)


def _ours(mechanism, settings, domain, weather, initial) -> tuple[np.ndarray, float]:
    flux = np.zeros((weather.cosz.shape[0], domain.size, 3))
    kwargs = {"deposition": False, "ventilation": False, "entrainment": False}
    runs = []

    def run() -> None:
        runs.append(simulate(mechanism, domain, weather, [flux], initial, settings, **kwargs))

    seconds = timeit(run, repeat=3)  # best of 3 after a warm-up call
    return runs[-1].out[0, :, :, 0], seconds


def _musica(mechanism, weather, initial, solver_type: str) -> tuple[np.ndarray, float] | None:
    try:
        import musica
        from musica.mechanism_configuration import Mechanism, Phase, Species, UserDefined
    except ImportError:
        return None
    species = {s: Species(name=s) for s in mechanism.species}
    gas = Phase(name="gas", species=list(species.values()))
    reactions = []
    for r in mechanism.reactions:
        reactants = [species[s] for s in r.reactants]  # RP + RP: the species twice
        products = [(species[s], float(c)) for s, c in r.products.items()]
        reactions.append(
            UserDefined(name=r.id, gas_phase=gas, reactants=reactants, products=products)
        )
    mech = Mechanism(name="GRS", species=list(species.values()), phases=[gas], reactions=reactions)
    # the tolerances of our solver in MUSICA's units (rtol as ours, atol 1e-4 ppb in mol m⁻³),
    # given to the constructor: set_solver_parameters on a built solver does not reach its
    # states in musica 0.17.2, and MICM's default absolute tolerance lets O3 drift
    settings = model_settings()
    parameters = musica.micm.solver_parameters.RosenbrockSolverParameters(
        relative_tolerance=settings.rtol,
        absolute_tolerances=[settings.atol_ppb * 1e-9 * 101325.0 / (R_GAS * 305.0)]
        * len(mechanism.species),
        max_number_of_steps=settings.max_steps,
    )
    solver = musica.MICM(
        mechanism=mech,
        solver_type=getattr(musica.SolverType, solver_type),
        solver_parameters=parameters,
    )
    nc = initial.shape[0]
    state = solver.create_state(nc)
    t2m = weather.t2m[0]
    state.set_conditions(temperatures=list(t2m), pressures=[101325.0] * nc)
    air = 101325.0 / (R_GAS * t2m)  # mol m⁻³
    per_ppb = 1e-9 * air
    state.set_concentrations(
        {s: list(initial[:, i] * per_ppb) for i, s in enumerate(mechanism.species)}
    )
    order = [1 if len(r.reactants) == 1 else 2 for r in mechanism.reactions]
    hours = weather.cosz.shape[0]
    rates = []
    for t in range(hours):  # set up outside the timing, as our weather is
        k = _rates(mechanism, weather, t)
        rates.append(
            {
                f"USER.{r.id}": list(k[:, n] / (per_ppb if order[n] == 2 else 1.0))
                for n, r in enumerate(mechanism.reactions)
            }
        )
    start = {s: list(initial[:, i] * per_ppb) for i, s in enumerate(mechanism.species)}
    best, o3 = float("inf"), np.empty((hours + 1, nc))
    for _ in range(3):  # best of 3, like ours
        state.set_concentrations(start)
        o3[0] = initial[:, mechanism.index("O3")]
        seconds = 0.0
        for t in range(hours):
            state.set_user_defined_rate_parameters(rates[t])
            t0 = time.perf_counter()
            result = solver.solve(state, 3600.0)
            seconds += time.perf_counter() - t0
            if "Converged" not in str(result.state):
                raise RuntimeError(f"MUSICA did not converge in hour {t}: {result.state}")
            o3[t + 1] = np.asarray(state.get_concentrations()["O3"]) / per_ppb
        best = min(best, seconds)
    return 0.5 * (o3[:-1] + o3[1:]), best


def _radau(mechanism, domain, weather, initial, cells: int) -> tuple[np.ndarray, float]:
    """The same closed boxes (the first ``cells``) by SciPy Radau at rtol 1e-8."""
    import dataclasses

    from engine.photochem._domain import Domain
    from tests.engine.photochem_cases import reference

    sub = slice(0, cells)
    small = Domain(
        dims=domain.dims, shape=(1, cells), lat=domain.lat[sub], lon=domain.lon[sub],
        area_m2=domain.area_m2[sub], fx=np.zeros((1, cells + 1)), fy=np.zeros((2, cells)),
        x_sign=1.0, y_sign=1.0, coords={},
    )  # fmt: skip
    w = dataclasses.replace(
        weather, cosz=weather.cosz[:, sub], transmission=weather.transmission[:, sub],
        t2m=weather.t2m[:, sub], pblh=weather.pblh[:, sub], bad=weather.bad[sub],
    )  # fmt: skip
    flux = np.zeros((weather.cosz.shape[0], cells, 3))
    t0 = time.perf_counter()
    out = reference(mechanism, small, w, flux, initial[sub], closed=True)
    return out[:, :, 0], time.perf_counter() - t0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=100_000)
    parser.add_argument("--hours", type=int, default=48)
    parser.add_argument("--boxes", type=int, default=20_000)
    parser.add_argument("--no-demo", action="store_true", help="skip the demo scenario")
    parser.add_argument(
        "--demo-dir",
        type=Path,
        default=None,
        help="existing demo data (lantian demo-data DIR --date 2026-07-01) instead of a new one",
    )
    args = parser.parse_args(argv)
    print(f"import (JIT cache load) {format_seconds(IMPORT_SECONDS)}, not timed below")

    queue = multiprocessing.get_context("spawn").Queue()
    worker = multiprocessing.get_context("spawn").Process(
        target=_grid_case, args=(args.cells, args.hours, queue)
    )
    worker.start()
    grid = queue.get()
    worker.join()
    print_table(
        f"1. {grid['cells']:,} cells × {args.hours} h, base + scenario coupled, 24-h spin-up "
        "(GRS, no winds)",
        [{"case": "grid run", "ours": grid["seconds"]}],
    )
    cell_hours = grid["cells"] * (24 + 2 * args.hours)
    print(
        f"   CPU {grid['cpu']:.1f} s over all threads ({grid['cpu'] / grid['seconds']:.2f} cores "
        f"busy; {grid['cpu'] / cell_hours * 1e6:.2f} µs CPU per cell-copy-hour); load average "
        f"before the run {__import__('os').getloadavg()[0]:.1f} on {multiprocessing.cpu_count()} "
        "cores"
    )
    print(
        f"   peak resident memory {grid['peak_rss_mb']:,.0f} MB (process before the run "
        f"{grid['rss_before_mb']:,.0f} MB); {grid['steps']:.2f} solver steps per cell-hour; "
        f"{grid['failed']} failed cells; ΔO3 {grid['delta_range'][0]:+.2f}…"
        f"{grid['delta_range'][1]:+.2f} ppb"
    )

    boxes = _boxes(args.boxes)
    import numba

    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    _, ours_one = _ours(*boxes)
    numba.set_num_threads(threads)
    ours, ours_s = _ours(*boxes)
    cell_hours = ours.size
    # MICM's two orderings of the same Rosenbrock solver: the vector one ("rosenbrock", grid
    # cells interleaved in its arrays) is the faster; the peer is the faster of the two
    peers = {kind: _musica(boxes[0], boxes[3], boxes[4], kind)
             for kind in ("rosenbrock", "rosenbrock_standard_order")}  # fmt: skip
    if all(p is not None for p in peers.values()):
        for kind, (_, seconds) in peers.items():
            print(f"   MUSICA {kind}: {format_seconds(seconds / ours.size)} per cell-hour")
        kind = min(peers, key=lambda k: peers[k][1])
        peer_o3, peer_s = peers[kind]
        name = f"MUSICA MICM {kind}"
        compare = slice(None)
    else:
        cells = min(50, ours.shape[1])
        peer_o3, peer_s = _radau(boxes[0], boxes[2], boxes[3], boxes[4], cells)
        name, compare = "SciPy Radau rtol 1e-8 (musica missing)", slice(0, cells)
        peer_s *= ours.shape[1] / cells  # per cell-hour of the whole set
    diff = np.abs(ours[:, compare] - peer_o3)
    lit = np.abs(peer_o3) >= 1.0  # relative differences of titrated night-time O3 mean little
    rel = diff / np.maximum(np.abs(peer_o3), 1.0)
    print_table(
        f"2. {ours.shape[1]:,} closed boxes × 24 h of GRS chemistry ({cell_hours:,} cell-hours)",
        [{"case": "per cell-hour", "ours": ours_s / cell_hours, "peer": peer_s / cell_hours,
          "peer_name": name}],
    )  # fmt: skip
    print(
        f"   ours on {threads} threads; on one thread {format_seconds(ours_one / cell_hours)} per "
        f"cell-hour ({peer_s / ours_one:.1f}x the peer, which runs on one)"
    )
    close = (rel <= 0.01) | (diff <= 0.5)
    print(
        f"   O3 agreement: max |Δ| {diff.max():.3g} ppb; max relative {rel[lit].max():.2e} where "
        f"O3 ≥ 1 ppb ({(rel[lit] <= 0.01).sum():,} of {lit.sum():,} cell-hours within 1 %); "
        f"{close.sum():,} of {close.size:,} cell-hours within 1 % or 0.5 ppb"
    )

    if not args.no_demo:
        import contextlib
        import io

        from api.cli import main as cli
        from api.jobs import ScenarioRequest, execute

        with tempfile.TemporaryDirectory() as folder:
            demo = args.demo_dir or Path(folder)
            if args.demo_dir is None:
                with contextlib.redirect_stdout(io.StringIO()):
                    cli(["demo-data", str(demo), "--date", "2026-07-01"])
            request = ScenarioRequest(
                forecast=str(demo / "forecast.nc"),
                emissions=str(demo / "emissions.nc"),
                change=str(demo / "change_peak_shift.nc"),
                regions=str(demo / "regions.geojson"),
                members=20,
            )
            t0 = time.perf_counter()
            regions, _ = execute(request, Path(folder) / "result.nc")  # as the CLI does
            seconds = time.perf_counter() - t0
        print_table(
            "3. demo scenario: 14,300 cells × 216 h with winds, 20 members, 28 cities",
            [{"case": "lantian scenario run", "ours": seconds}],
        )


if __name__ == "__main__":
    main()
