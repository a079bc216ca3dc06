"""The ensemble grid: a scenario's inputs aggregated over k × k blocks of cells (§6).

Perturbed ensemble members estimate how uncertain the answer is, not the answer itself, so
they may run at a coarser resolution, as operational weather ensembles do: on a grid of
k × k blocks (emissions summed, fields and winds averaged by area, face lengths summed so
transport stays mass-conserving), each member's change relative to the central member on the
same coarse grid is added to the central member's fine answer. With k = 1 (small grids) the
members run on the forecast's grid itself.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from engine.kernels.photochem import STATUS_INPUT
from engine.photochem._domain import Domain
from engine.photochem._inputs import Prepared

__all__ = ["block_factor", "coarsen"]


def block_factor(cells: int, max_cells: int) -> int:
    """Smallest k whose k × k blocks leave at most about ``max_cells`` cells [1]."""
    if cells <= max_cells:
        return 1
    return int(math.ceil(math.sqrt(cells / max_cells)))


def coarsen(inputs: Prepared, k: int) -> tuple[Prepared, NDArray[np.int64]]:
    """The inputs on k × k blocks, and the block of every fine cell ``(cell,)``."""
    d = inputs.domain
    ny, nx = d.shape
    big_y, big_x = -(-ny // k), -(-nx // k)
    nb = big_y * big_x
    row, col = np.arange(ny) // k, np.arange(nx) // k
    block = (row[:, None] * big_x + col[None, :]).ravel().astype(np.int64)
    good = inputs.status != STATUS_INPUT
    weight = d.area_m2 * good
    cells = np.arange(block.size)
    summing = sp.csr_matrix((np.ones(block.size), (block, cells)), shape=(nb, block.size))
    averaging = sp.csr_matrix((weight, (block, cells)), shape=(nb, block.size))
    by_area = sp.csr_matrix((d.area_m2, (block, cells)), shape=(nb, block.size))

    def total(field: NDArray) -> NDArray[np.float64]:
        return np.ascontiguousarray((summing @ np.nan_to_num(field).T).T)

    def mean(field: NDArray) -> NDArray[np.float64]:
        valid = ~np.isnan(field)
        num = (averaging @ np.where(valid, field, 0.0).T).T
        den = (averaging @ valid.T.astype(np.float64)).T
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.ascontiguousarray(np.where(den > 0, num / den, np.nan))

    area = summing @ d.area_m2
    fx = np.zeros((big_y, big_x + 1))
    for face in range(big_x + 1):
        fine = min(face * k, nx)
        fx[:, face] = np.bincount(row, d.fx[:, fine], minlength=big_y)
    fy = np.zeros((big_y + 1, big_x))
    for face in range(big_y + 1):
        fine = min(face * k, ny)
        fy[face] = np.bincount(col, d.fy[fine], minlength=big_x)
    position = (by_area @ np.stack([d.lat, d.lon], axis=1)) / (by_area @ np.ones(block.size))[
        :, None
    ]
    domain = Domain(
        dims=d.dims,
        shape=(big_y, big_x),
        lat=np.ascontiguousarray(position[:, 0]),
        lon=np.ascontiguousarray(position[:, 1]),
        area_m2=np.ascontiguousarray(area),
        fx=fx,
        fy=fy,
        x_sign=d.x_sign,
        y_sign=d.y_sign,
        coords={},
    )
    w = inputs.weather
    bad = np.asarray(summing @ good.astype(np.float64)) == 0
    weather = dataclasses.replace(
        w,
        cosz=mean(w.cosz),
        transmission=mean(w.transmission),
        t2m=mean(w.t2m),
        pblh=mean(w.pblh),
        u=None if w.u is None else mean(w.u),
        v=None if w.v is None else mean(w.v),
        bad=bad,
    )
    for name in ("cosz", "transmission", "t2m", "pblh", "u", "v"):
        values = getattr(weather, name)
        if values is not None and np.isnan(values).any():  # blocks of unusable cells only
            fill = np.nanmean(getattr(w, name), axis=1, keepdims=True)
            np.copyto(values, np.broadcast_to(fill, values.shape), where=np.isnan(values))
    status = np.where(bad, STATUS_INPUT, 0).astype(np.int8)
    coarse = dataclasses.replace(
        inputs,
        domain=domain,
        weather=weather,
        o3_ppb=mean(inputs.o3_ppb),
        no2_ppb=None if inputs.no2_ppb is None else mean(inputs.no2_ppb),
        voc=total(inputs.voc),
        nox=total(inputs.nox),
        dvoc=total(inputs.dvoc),
        dnox=total(inputs.dnox),
        status=status,
    )
    return coarse, block
