"""A scenario, incrementally: base and scenario with the same model (docs/chemistry.md §1, §6).

For every ensemble member the base and the scenario emissions run as two coupled copies of
the mechanism (the same solver steps for both), after a spin-up day on base emissions. The
answer is the difference ΔO3 = scenario − base; the scenario's O3 is the forecast's O3 plus
ΔO3, so the model's own bias cancels (EPA's relative-response approach). A sensitivity pair
of runs (VOC and NOx emissions each ±20 %) classifies every cell's regime.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from engine.daily import daily_statistics
from engine.kernels.photochem import STATUS_OK
from engine.photochem._coarsen import block_factor, coarsen
from engine.photochem._ensemble import Member, draw_members, member_percentiles
from engine.photochem._inputs import Prepared, prepare, ug_per_ppb
from engine.photochem._mechanism import Mechanism, load_mechanism
from engine.photochem._model import emission_flux, simulate
from engine.photochem._settings import ModelSettings, model_settings

__all__ = ["REGIMES", "ScenarioRun", "classify_regime", "run_scenario", "spin_up"]

REGIMES = ("voc_limited", "nox_limited", "transitional")
"""Sensitivity regimes, in the order of their integer codes."""

Progress = Callable[[float, str], None]


@dataclasses.dataclass(frozen=True, eq=False)
class ScenarioRun:
    """What :func:`run_scenario` returns.

    Attributes
    ----------
    forecast_o3 : xarray.DataArray (time, y, x)
        The forecast's O3 [µg m⁻³].
    delta_o3 : xarray.DataArray (member, time, y, x)
        ΔO3 = scenario − base of each member [µg m⁻³], float32; NaN in marked cells.
    status : xarray.DataArray (y, x)
        0 computed, 1 the solver failed in some member, 2 NaN inputs.
    sensitivity : xarray.Dataset (y, x)
        ``s_voc``, ``s_nox`` [µg m⁻³]: change of the days' mean MDA8 per unit relative change
        of VOC / NOx emissions; ``regime`` (codes of :data:`REGIMES`, −1 where unknown).
        Empty when the regime was not computed.
    voc_moved_kg : xarray.DataArray (y, x)
        VOC taken out of the hours where the change is negative [kg] (a shift's moved mass).
    mechanism : str
    members : tuple of Member
    seed : int
    defaulted : tuple of str
        Meteorological fields that took climatological defaults.
    ensemble_block : int
        k of the ensemble grid: members and the sensitivity runs used k × k blocks of cells
        (1: the forecast's grid).
    """

    forecast_o3: xr.DataArray
    delta_o3: xr.DataArray
    status: xr.DataArray
    sensitivity: xr.Dataset
    voc_moved_kg: xr.DataArray
    mechanism: str
    members: tuple[Member, ...]
    seed: int
    defaulted: tuple[str, ...]
    ensemble_block: int = 1

    @property
    def scenario_o3(self) -> xr.DataArray:
        """Forecast O3 plus each member's ΔO3 ``(member, time, y, x)`` [µg m⁻³]."""
        return (self.forecast_o3 + self.delta_o3).transpose(*self.delta_o3.dims)

    def cell_daily(self) -> xr.Dataset:
        """Per-cell MDA8 ``(date, y, x)`` [µg m⁻³] before and after, and ΔMDA8 percentiles.

        ``mda8_base`` (forecast), ``mda8_scenario`` (central member), ``delta_mda8``
        (central), ``delta_mda8_p10`` / ``_p50`` / ``_p90`` over members.
        """
        base = daily_statistics(self.forecast_o3.to_dataset(name="o3"))["o3_mda8"]
        scen = daily_statistics(self.scenario_o3.to_dataset(name="o3"))["o3_mda8"]
        delta = scen - base
        out = xr.Dataset(
            {
                "mda8_base": base,
                "mda8_scenario": scen.isel(member=0, drop=True),
                "delta_mda8": delta.isel(member=0, drop=True),
            }
        )
        spread = delta.transpose("member", ...)  # days without an MDA8 are all-NaN: NaN
        pct = member_percentiles(spread.values, [10, 50, 90])
        for i, q in enumerate((10, 50, 90)):
            out[f"delta_mda8_p{q}"] = (spread.dims[1:], pct[i])
        for name in out.data_vars:
            out[name].attrs["units"] = "ug m-3"
        return out


def classify_regime(s_voc: NDArray, s_nox: NDArray, ratio: float) -> NDArray[np.int8]:
    """Regime codes (:data:`REGIMES`) from the O3 responses to VOC and NOx [any same units].

    VOC-limited: O3 rises with VOC and (falls with NOx, or its VOC response is at least
    ``ratio`` times its NOx response); NOx-limited: the mirror case; transitional otherwise;
    −1 where a response is NaN (docs/chemistry.md §7).
    """
    s_voc, s_nox = np.asarray(s_voc, np.float64), np.asarray(s_nox, np.float64)
    with np.errstate(invalid="ignore"):
        voc = (s_voc > 0) & ((s_nox <= 0) | (s_voc >= ratio * s_nox))
        nox = (s_nox > 0) & ((s_voc <= 0) | (s_nox >= ratio * s_voc))
    out = np.where(voc, 0, np.where(nox, 1, 2)).astype(np.int8)
    out[np.isnan(s_voc) | np.isnan(s_nox)] = -1
    return out


def spin_up(
    mechanism: Mechanism,
    inputs: Prepared,
    member: Member,
    settings: ModelSettings,
    tile: tuple[int, int] | None = None,
) -> tuple[NDArray, NDArray[np.int8]]:
    """State after a day on base emissions and the first day's weather (docs/chemistry.md §3)."""
    hours = min(settings.spin_up_hours, inputs.time.size)
    background = mechanism.background.copy()
    background[mechanism.index("O3")] = max(
        0.0, background[mechanism.index("O3")] + member.background_o3_ppb
    )
    initial = inputs.initial(mechanism, member.background_o3_ppb)
    if hours == 0:
        return initial, inputs.status.copy()
    weather = inputs.weather.hours(0, hours).scaled(member.pblh_scale, member.photolysis_scale)
    flux = emission_flux(
        inputs.voc[:hours], inputs.nox[:hours], mechanism, inputs.domain, weather.t2m, settings,
        voc_reactivity=member.voc_reactivity,
    )  # fmt: skip
    sim = simulate(
        mechanism, inputs.domain, weather, [flux], initial, settings,
        background=background, edge=inputs.edge(mechanism, background)[:hours],
        k_scale=member.k_scale, status=inputs.status, tile=tile,
    )  # fmt: skip
    return sim.state[0], sim.status


def _member_run(
    mechanism: Mechanism,
    inputs: Prepared,
    member: Member,
    settings: ModelSettings,
    scales: list[tuple[float, float, bool]],
    tile: tuple[int, int] | None = None,
) -> tuple[NDArray, NDArray[np.int8]]:
    """Coupled copies with emissions ``(voc factor, nox factor, with change)`` each; O3 [ppb].

    ``tile`` (cells of ``inputs``' grid): run tiled on dask (:func:`_model.simulate`)."""
    state, status = spin_up(mechanism, inputs, member, settings, tile)
    background = mechanism.background.copy()
    k = mechanism.index("O3")
    background[k] = max(0.0, background[k] + member.background_o3_ppb)
    weather = inputs.weather.scaled(member.pblh_scale, member.photolysis_scale)
    flux = []
    for voc_scale, nox_scale, with_change in scales:
        voc = voc_scale * inputs.voc + (inputs.dvoc if with_change else 0.0)
        nox = nox_scale * inputs.nox + (inputs.dnox if with_change else 0.0)
        flux.append(
            emission_flux(
                np.maximum(voc, 0.0), np.maximum(nox, 0.0), mechanism, inputs.domain,
                weather.t2m, settings, voc_reactivity=member.voc_reactivity,
            )
        )  # fmt: skip
    sim = simulate(
        mechanism, inputs.domain, weather, flux, state, settings,
        background=background, edge=inputs.edge(mechanism, background), k_scale=member.k_scale,
        status=status, tile=tile,
    )  # fmt: skip
    return sim.out[..., 0], sim.status


def run_scenario(
    forecast: xr.Dataset,
    emissions: xr.Dataset,
    change: xr.Dataset,
    *,
    mechanism: str | Mechanism = "GRS",
    members: int | None = None,
    seed: int | None = None,
    regime: bool = True,
    settings: ModelSettings | None = None,
    progress: Progress | None = None,
    tile: tuple[int, int] | None = None,
) -> ScenarioRun:
    """ΔO3 of an emission change on the forecast's grid, with its ensemble and regime.

    Parameters
    ----------
    forecast : xarray.Dataset
        ``o3`` [µg m⁻³] ``(time, lat, lon)`` or ``(time, y, x)`` with optional ``no2`` and
        meteorological fields (``engine.photochem._inputs.prepare``).
    emissions, change : xarray.Dataset
        ``voc``, ``nox`` [kg h⁻¹ per cell] on the same grid and hours; ``change`` = scenario −
        base.
    mechanism : str or Mechanism
        Packaged mechanism id (default ``"GRS"``) or a parsed mechanism.
    members : int, optional
        Ensemble size (default ``[ensemble] members`` of ``model.toml``, 20); 1 runs the
        central member only.
    seed : int, optional
        Seed of the perturbations (default from ``model.toml``).
    regime : bool
        Also run the ±20 % sensitivity pair and classify every cell.
    settings : ModelSettings, optional
    progress : callable, optional
        Called as ``progress(done_fraction, stage)``.
    tile : (int, int), optional
        Run the model on dask in tiles of ``(y, x)`` cells of the forecast's grid, hour by hour
        with halo exchange for transport, on the active dask scheduler (a
        ``dask.distributed`` client if one is open, else threads): the answer of the
        whole-grid run (:mod:`engine.photochem._tiled`). The ensemble grid's tiles cover the
        same area. None (default) runs the whole grid in this process.

    Returns
    -------
    ScenarioRun
        ``(time, y, x) -> (member, time, y, x)``.
    """
    settings = settings or model_settings()
    mech = load_mechanism(mechanism) if isinstance(mechanism, str) else mechanism
    inputs = prepare(forecast, emissions, change, settings)
    n = settings.members if members is None else int(members)
    seed = settings.seed if seed is None else int(seed)
    drawn = draw_members(n, mech, settings, seed)
    factor = ug_per_ppb("o3")
    nt, nc = inputs.time.size, inputs.domain.size
    k = block_factor(nc, settings.ensemble_max_cells) if (n > 1 or regime) else 1
    coarse, block = coarsen(inputs, k) if k > 1 else (inputs, np.arange(nc))
    steps = 1 + (n - 1) * (1 if k == 1 else 0.2) + (0.4 if regime else 0.0)
    done = 0.0

    def report(stage: str, cost: float) -> None:
        nonlocal done
        if progress:
            progress(done / steps, stage)
        done += cost

    delta = np.empty((n, nt, nc), np.float32)
    status = inputs.status.copy()
    report("central member on the forecast grid", 1.0)
    pair = [(1.0, 1.0, False), (1.0, 1.0, True)]
    coarse_tile = None if tile is None else (-(-tile[0] // k), -(-tile[1] // k))
    o3, marks = _member_run(mech, inputs, drawn[0], settings, pair, tile)
    delta[0] = (o3[1] - o3[0]) * factor
    status = np.maximum(status, marks)
    reference = delta[0]
    if k > 1 and n > 1:
        report(f"central member on the ensemble grid ({k}×{k} blocks)", 0.2)
        o3, marks = _member_run(mech, coarse, drawn[0], settings, pair, coarse_tile)
        reference = ((o3[1] - o3[0]) * factor).astype(np.float32)
        status = np.maximum(status, marks[block])
    for m in range(1, n):
        report(f"member {m + 1} of {n}", 1.0 if k == 1 else 0.2)
        o3, marks = _member_run(mech, coarse, drawn[m], settings, pair, coarse_tile)
        member_delta = (o3[1] - o3[0]) * factor
        if k == 1:
            delta[m] = member_delta
            status = np.maximum(status, marks)
        else:  # the member's departure from the central member, on the ensemble grid
            delta[m] = delta[0] + (member_delta - reference)[:, block]
            status = np.maximum(status, marks[block])
    delta[:, :, status != STATUS_OK] = np.nan
    ny, nx = inputs.domain.shape
    dims = inputs.domain.dims
    grid = inputs.grid
    sensitivity = xr.Dataset(coords={d: grid[d] for d in dims})
    if regime:
        report("sensitivity runs (VOC and NOx ±20 %)", 0.4)
        sensitivity = _sensitivity(
            mech, coarse, drawn[0], settings, status, block, inputs, coarse_tile
        )
    if progress:
        progress(1.0, "model runs done")
    coords = {k: v for k, v in grid.coords.items()}
    forecast_o3 = xr.DataArray(
        (inputs.o3_ppb * factor).reshape(nt, ny, nx),
        dims=("time", *dims),
        coords=coords,
        attrs={"units": "ug m-3", "long_name": "forecast O3"},
    )
    delta_o3 = xr.DataArray(
        delta.reshape(n, nt, ny, nx),
        dims=("member", "time", *dims),
        coords={**coords, "member": np.arange(n)},
        attrs={"units": "ug m-3", "long_name": "O3 change, scenario minus base"},
    )
    moved = np.maximum(-inputs.dvoc, 0.0).sum(axis=0).reshape(ny, nx)  # kg h⁻¹ × 1 h
    spatial = {d: grid[d] for d in dims} | {
        c: grid[c] for c in ("lat", "lon") if c in grid.coords and c not in dims
    }
    return ScenarioRun(
        forecast_o3=forecast_o3,
        delta_o3=delta_o3,
        status=xr.DataArray(status.reshape(ny, nx), dims=dims, coords=spatial),
        sensitivity=sensitivity,
        voc_moved_kg=xr.DataArray(moved, dims=dims, coords=spatial, attrs={"units": "kg"}),
        mechanism=mech.id,
        members=tuple(drawn),
        seed=seed,
        defaulted=inputs.weather.defaulted,
        ensemble_block=k,
    )


def _sensitivity(
    mechanism: Mechanism,
    coarse: Prepared,
    central: Member,
    settings: ModelSettings,
    status: NDArray[np.int8],
    block: NDArray[np.int64],
    inputs: Prepared,
    tile: tuple[int, int] | None = None,
) -> xr.Dataset:
    """``s_voc``, ``s_nox`` and ``regime`` of every cell from the ±p runs of the central member
    on the ensemble grid ``coarse`` (``block``: the block of each fine cell)."""
    p = settings.regime_perturbation
    scales = [(1 + p, 1, False), (1 - p, 1, False), (1, 1 + p, False), (1, 1 - p, False)]
    o3, marks = _member_run(mechanism, coarse, central, settings, scales, tile)
    field = xr.DataArray(
        o3 * ug_per_ppb("o3"), dims=("copy", "time", "cell"), coords={"time": coarse.time}
    )
    mda8 = daily_statistics(field.to_dataset(name="o3"))["o3_mda8"].mean("date", skipna=True)
    values = mda8.values[:, block]  # (copy, fine cell)
    ny, nx = inputs.domain.shape
    dims = inputs.domain.dims
    s_voc = ((values[0] - values[1]) / (2 * p)).reshape(ny, nx)
    s_nox = ((values[2] - values[3]) / (2 * p)).reshape(ny, nx)
    bad = ((status != STATUS_OK) | (marks[block] != STATUS_OK)).reshape(ny, nx)
    s_voc[bad] = np.nan
    s_nox[bad] = np.nan
    grid = inputs.grid
    coords = {d: grid[d] for d in dims}
    codes = classify_regime(s_voc, s_nox, settings.regime_ratio)
    meaning = " ".join(REGIMES)
    return xr.Dataset(
        {
            "s_voc": (
                dims,
                s_voc,
                {"units": "ug m-3", "long_name": "MDA8 change per unit relative VOC change"},
            ),
            "s_nox": (
                dims,
                s_nox,
                {"units": "ug m-3", "long_name": "MDA8 change per unit relative NOx change"},
            ),
            "regime": (
                dims,
                codes,
                {
                    "flag_values": np.arange(3, dtype=np.int8),
                    "flag_meanings": meaning,
                    "missing_value": -1,
                },
            ),
        },
        coords=coords,
    )
