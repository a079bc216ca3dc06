"""Running the box model: emissions as fluxes, coupled copies, spin-up (docs/chemistry.md §3–§4).

:func:`simulate` integrates ``copies`` coupled copies of a mechanism in every cell: identical
chemistry, weather and initial state, each copy with its own emissions. The copies share one
state vector, so the solver takes the same steps for all of them: the difference between a
base and a scenario copy then carries no step-size noise, and a zero emission change gives a
difference of exactly zero. The Jacobian is block diagonal, so coupling costs no fill-in.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from engine.kernels import photochem as kernel
from engine.photochem._domain import Domain
from engine.photochem._mechanism import Mechanism
from engine.photochem._settings import ModelSettings
from engine.photochem._weather import Weather

__all__ = ["Simulation", "emission_flux", "simulate", "stacked_arrays"]

_R = 8.314462618  # J mol⁻¹ K⁻¹
_OFFSET_SPECIES = ("ra", "esp", "lcol")
_OFFSET_NNZ = ("ldiag", "jpos", "epos", "ediag", "utarget", "usource")
_POINTERS = {"eptr": "esp", "lrow": "lcol", "jptr": "jpos", "uptr": "utarget"}


def stacked_arrays(
    mechanism: Mechanism, copies: int, k_scale: NDArray[np.float64] | None = None
) -> dict[str, NDArray]:
    """Kernel arrays of ``copies`` independent copies of ``mechanism`` in one state.

    Copy ``c`` holds kernel positions ``c · n … (c + 1) · n − 1``; ``k_scale`` (reactions,)
    multiplies every rate constant (ensemble members).
    """
    base = mechanism.kernel_arrays
    ns = len(mechanism.species)
    nnz = int(base["lcol"].size)
    out: dict[str, NDArray] = {}
    for name, array in base.items():
        if name in ("order", "rank"):
            continue
        if name in _POINTERS:
            parts = [array[:-1] + c * array[-1] for c in range(copies)]
            out[name] = np.concatenate([*parts, [copies * array[-1]]]).astype(np.int64)
        elif name in _OFFSET_SPECIES:
            out[name] = np.concatenate([array + c * ns for c in range(copies)])
        elif name == "rb":
            out[name] = np.concatenate(
                [np.where(array >= 0, array + c * ns, -1) for c in range(copies)]
            )
        elif name in _OFFSET_NNZ:
            out[name] = np.concatenate([array + c * nnz for c in range(copies)])
        elif name in ("pl", "pm", "pn"):
            out[name] = array
        else:  # per reaction or per entry, same in each copy (ka, kb, kc, kphot, jwhich, coefs)
            out[name] = np.concatenate([array] * copies)
    if k_scale is not None:
        out["ka"] = out["ka"] * np.tile(np.asarray(k_scale, np.float64), copies)
    return out


def emission_flux(
    voc: NDArray[np.floating],
    nox: NDArray[np.floating],
    mechanism: Mechanism,
    domain: Domain,
    t2m: NDArray[np.float64],
    settings: ModelSettings,
    *,
    voc_reactivity: float = 1.0,
) -> NDArray[np.float64]:
    """Emission rates as mixing-ratio fluxes of the emitted model species.

    Parameters
    ----------
    voc, nox : ndarray (time, cell)
        Emission rates [kg h⁻¹ per cell] (NOx as NO2 mass).
    t2m : ndarray (time, cell)
        Air temperature [K] (the moles of air per m³).
    voc_reactivity : float
        Multiplier of the VOC that becomes model species [1] (ensemble members, sensitivity).

    Returns
    -------
    ndarray (time, cell, emitted)
        Fluxes [ppb m s⁻¹] in the order of :func:`emitted_species`: VOC's species, then NOx's.
    """
    air = settings.pressure_pa / (_R * t2m)  # mol m⁻³
    parts = []
    for key, mass, scale in (("voc", voc, voc_reactivity), ("nox", nox, 1.0)):
        molar_mass, _, share = mechanism.emissions[key]
        mol = np.asarray(mass, np.float64) / 3600.0 / (molar_mass * 1e-3)  # mol s⁻¹ per cell
        flux = mol / domain.area_m2[None, :] / air * 1e9 * scale  # ppb m s⁻¹
        parts.append(flux[:, :, None] * share[None, None, :])
    return np.ascontiguousarray(np.concatenate(parts, axis=2))


def emitted_species(mechanism: Mechanism) -> NDArray[np.int64]:
    """Kernel positions of the emitted species, in the order of :func:`emission_flux`."""
    rank = mechanism.kernel_arrays["rank"]
    return rank[np.concatenate([mechanism.emissions["voc"][1], mechanism.emissions["nox"][1]])]


@dataclasses.dataclass(frozen=True)
class Simulation:
    """What :func:`simulate` returns.

    ``out`` ``(copy, time, cell, output)`` hourly mean mixing ratios [ppb] of the output
    species (NaN in marked cells); ``state`` ``(copy, cell, species)`` the final state in file
    species order [ppb]; ``status`` ``(cell,)`` (:data:`engine.kernels.photochem.STATUS_OK`,
    ``STATUS_FAILED``, ``STATUS_INPUT``); ``steps`` solver steps per cell.
    """

    out: NDArray[np.float64]
    state: NDArray[np.float64]
    status: NDArray[np.int8]
    steps: NDArray[np.int64]


def _substeps(weather: Weather, domain: Domain, courant: float) -> NDArray[np.int64]:
    if weather.u is None or weather.v is None:
        return np.ones(weather.cosz.shape[0], np.int64)
    ny, nx = domain.shape
    area = domain.area_m2.reshape(ny, nx)
    # Courant number of one hour per cell: |u| · (face length) · 1 h / area, per direction
    cx = np.abs(weather.u).reshape(-1, ny, nx) * domain.fx[None, :, :nx] * 3600.0 / area
    cy = np.abs(weather.v).reshape(-1, ny, nx) * domain.fy[None, :ny, :] * 3600.0 / area
    worst = np.maximum(cx.max(axis=(1, 2)), cy.max(axis=(1, 2)))
    return np.maximum(1, np.ceil(worst / courant)).astype(np.int64)


def simulate(
    mechanism: Mechanism,
    domain: Domain,
    weather: Weather,
    flux: Sequence[NDArray[np.float64]],
    initial: NDArray[np.float64],
    settings: ModelSettings,
    *,
    background: NDArray[np.float64] | None = None,
    edge: NDArray[np.float64] | None = None,
    k_scale: NDArray[np.float64] | None = None,
    outputs: Sequence[str] = ("O3",),
    status: NDArray[np.int8] | None = None,
    deposition: bool = True,
    ventilation: bool = True,
    entrainment: bool = True,
    tile: tuple[int, int] | None = None,
) -> Simulation:
    """Integrate coupled copies of ``mechanism`` over the hours of ``weather``.

    Parameters
    ----------
    mechanism, domain, weather, settings
    flux : sequence of ndarray (time, cell, emitted)
        Emission fluxes of each copy (:func:`emission_flux`) [ppb m s⁻¹].
    initial : ndarray (cell, species) or (copy, cell, species)
        Initial mixing ratios in file species order [ppb].
    background : ndarray (species,), optional
        Mixing ratios of entrained and ventilating air [ppb]; default the mechanism's.
    edge : ndarray (time, edge cell, species), optional
        Halo values at the domain edge (:attr:`Domain.edge_cells` order) [ppb]; default
        background. Used only with winds.
    k_scale : ndarray (reactions,), optional
        Rate-constant multipliers.
    outputs : sequence of str
        Species reported hourly.
    status : ndarray (cell,) int8, optional
        Cells already marked (``STATUS_INPUT``) are not computed.
    deposition, ventilation, entrainment : bool
        Switches for the tests (a closed box conserves nitrogen).
    tile : (int, int), optional
        Run on dask in tiles of this many cells ``(y, x)``, hour by hour with halo exchange
        (:func:`engine.photochem._tiled.simulate_tiled`); None runs the whole grid at once.

    Returns
    -------
    Simulation
    """
    copies = len(flux)
    order, rank = mechanism.kernel_arrays["order"], mechanism.kernel_arrays["rank"]
    ns, nt, nc = len(mechanism.species), weather.cosz.shape[0], domain.size
    bg_file = mechanism.background if background is None else np.asarray(background, np.float64)
    bg = np.ascontiguousarray(np.tile(bg_file[order], copies))
    init = np.asarray(initial, np.float64)
    if init.ndim == 2:
        init = np.broadcast_to(init, (copies, nc, ns))
    state = np.ascontiguousarray(
        np.concatenate([init[c][:, order] for c in range(copies)], axis=1), dtype=np.float64
    )
    emsp1 = emitted_species(mechanism)
    emsp = np.concatenate([emsp1 + c * ns for c in range(copies)]).astype(np.int64)
    emis = np.ascontiguousarray(np.concatenate([np.asarray(f, np.float64) for f in flux], axis=2))
    vdep = mechanism.deposition_velocity[order] if deposition else np.zeros(ns)
    vdep = np.ascontiguousarray(np.tile(vdep, copies))
    pblh = weather.pblh if entrainment else np.broadcast_to(weather.pblh[:1], weather.pblh.shape)
    transport = weather.u is not None and weather.v is not None
    vent = np.zeros(nc)
    if ventilation and not transport:
        vent[:] = settings.wind_speed_m_s / settings.ventilation_length_m
    nsub = _substeps(weather, domain, settings.courant)
    if transport:
        ny, nx = domain.shape
        u, v = weather.u, weather.v
        halo = np.broadcast_to(bg_file, (nt, domain.edge_cells.size, ns)) if edge is None else edge
        halo_k = np.ascontiguousarray(
            np.concatenate([np.asarray(halo)[:, :, order]] * copies, axis=2), dtype=np.float64
        )
        geometry = (domain.area_m2, domain.fx, domain.fy)
    else:
        ny, nx = 1, nc
        u = v = np.zeros((1, 1))
        halo_k = np.zeros((1, 1, 1))
        geometry = (np.zeros(1), np.zeros((1, 1)), np.zeros((1, 1)))
    osp1 = np.array([rank[mechanism.index(s)] for s in outputs], np.int64)
    osp = np.concatenate([osp1 + c * ns for c in range(copies)]).astype(np.int64)
    out = np.empty((nt, nc, osp.size))
    marks = np.zeros(nc, np.int8) if status is None else status.astype(np.int8).copy()
    marks[weather.bad & (marks == 0)] = kernel.STATUS_INPUT
    state[marks != 0] = bg
    hstep = np.full(nc, 60.0)
    steps = np.zeros(nc, np.int64)
    mi, mip, mf, mfp = kernel.pack(stacked_arrays(mechanism, copies, k_scale))
    args = (
        mi, mip, mf, mfp,
        np.ascontiguousarray(weather.cosz), np.ascontiguousarray(weather.transmission),
        np.ascontiguousarray(weather.t2m), np.ascontiguousarray(pblh), emis, emsp, vdep, bg,
        vent, nsub, int(transport), ny, nx, np.ascontiguousarray(u), np.ascontiguousarray(v),
        geometry[0], geometry[1], geometry[2], halo_k,
        settings.rtol, settings.atol_ppb, settings.max_steps,
        state, hstep, marks, osp, out, steps, kernel.solver_for(mechanism.kernel_arrays),
    )  # fmt: skip
    if tile is None:
        kernel.simulate(*args, 0)
    else:
        from engine.photochem._tiled import simulate_tiled

        simulate_tiled(args, domain.shape, tile)
    out_c = out.reshape(nt, nc, copies, len(outputs)).transpose(2, 0, 1, 3)
    # values within atol below zero stay in the kernel's state (invariants); none is returned
    final = np.maximum(state.reshape(nc, copies, ns).transpose(1, 0, 2)[:, :, rank], 0.0)
    return Simulation(out=out_c, state=np.ascontiguousarray(final), status=marks, steps=steps)
