"""The box model in spatial tiles on dask, with halo exchange for transport (docs/chemistry.md §4).

The grid's state (mixing ratios, the solver's next step, marks, step counts, the hour's means)
is a dask array chunked in ``(y, x)``. Each hour, every tile is advanced by one kernel call on
the tile plus a ring of its neighbours' cells (:func:`dask.array.map_overlap`): chemistry is per
cell, and the first-order upwind transport moves information by at most one cell per sweep
pair, so after the hour's ``n`` transport sub-steps only the ring's outer ``n`` cells can differ
from the whole-grid run. With a ring of ``n + 1`` cells, whose outermost layer stands for the
halo during the hour, the tile's own cells are computed exactly as on one machine: the same
arithmetic in the same order (sweep order and the solver's step carried between hours). At the
domain edge the halo takes the forecast's values, as in the whole-grid run. Without winds the
cells are independent and tiles take no ring.

The tasks run on whatever dask scheduler is active: a ``dask.distributed`` client if one is
open, else dask's threads. dask is imported here only when a tiled run is asked for.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from engine.kernels import photochem as kernel

__all__ = ["simulate_tiled", "tile_chunks"]

# static fields per cell: global row and column, area, ventilation, faces west/east/south/north
_STATIC = 8
# hourly fields per cell before the emissions: cosz, transmission, t2m, pblh at the hour's two
# ends, u, v
_HOURLY = 7


def tile_chunks(size: int, tile: int, depth: int) -> tuple[int, ...]:
    """Chunk sizes of one axis: ``tile`` cells each, a remainder shorter than ``depth`` merged
    into the last chunk (a ring may not be deeper than a chunk)."""
    full, rest = divmod(size, tile)
    chunks = [tile] * full
    if rest:
        if full and rest < depth:
            chunks[-1] += rest
        else:
            chunks.append(rest)
    return tuple(chunks)


def _hour(  # type: ignore[no-untyped-def]
    block, *, hour, nsub, edge, transport, shape, sizes, mech, consts
):
    """Advance one (ringed) block by one hour; the block with its own cells updated.

    ``block`` holds per cell the state fields, then the static fields, then the hour's
    forcing (one array, so that dask gives them the same ring).
    """
    ns, no = sizes
    width = ns + 3 + no
    packed, static = block[..., :width], block[..., width : width + _STATIC]
    hourly = block[..., width + _STATIC :]
    by, bx = packed.shape[:2]
    gy, gx = shape
    rows = static[:, 0, 0].astype(np.int64)
    cols = static[0, :, 1].astype(np.int64)
    south = bool(transport and rows[0] > 0)
    north = bool(transport and rows[-1] < gy - 1)
    west = bool(transport and cols[0] > 0)
    east = bool(transport and cols[-1] < gx - 1)
    r0, r1, c0, c1 = int(south), by - int(north), int(west), bx - int(east)
    core = packed[r0:r1, c0:c1]
    sny, snx = core.shape[:2]
    n = sny * snx
    state = np.ascontiguousarray(core[..., :ns].reshape(n, ns))
    hstep = np.ascontiguousarray(core[..., ns].reshape(n))
    status = np.ascontiguousarray(core[..., ns + 1].reshape(n).astype(np.int8))
    nsteps = np.ascontiguousarray(core[..., ns + 2].reshape(n).astype(np.int64))
    h = hourly[r0:r1, c0:c1].reshape(n, -1)
    st = static[r0:r1, c0:c1]

    def one(k: int) -> NDArray[np.float64]:
        return np.ascontiguousarray(h[:, k][None, :])

    pblh = np.ascontiguousarray(np.stack([h[:, 3], h[:, 4]]))
    emis = np.ascontiguousarray(h[:, _HOURLY:][None, :, :])
    vent = np.ascontiguousarray(st[..., 3].reshape(n))
    if transport:
        ky, kx = sny, snx
        area = np.ascontiguousarray(st[..., 2].reshape(n))
        fx = np.empty((sny, snx + 1))
        fx[:, :snx], fx[:, snx] = st[..., 4], st[:, -1, 5]
        fy = np.empty((sny + 1, snx))
        fy[:sny], fy[sny] = st[..., 6], st[-1, :, 7]
        rr, cc = rows[r0:r1], cols[c0:c1]
        halo = np.concatenate(
            [
                packed[r0:r1, c0 - 1, :ns] if west else edge[rr],
                packed[r0:r1, c1, :ns] if east else edge[gy + rr],
                packed[r0 - 1, c0:c1, :ns] if south else edge[2 * gy + cc],
                packed[r1, c0:c1, :ns] if north else edge[2 * gy + gx + cc],
            ]
        )[None]
        u, v = one(5), one(6)
    else:
        ky, kx = 1, n
        area, fx, fy = np.zeros(1), np.zeros((1, 1)), np.zeros((1, 1))
        halo = np.zeros((1, 1, 1))
        u = v = np.zeros((1, 1))
    out = np.empty((1, n, no))
    mi, mip, mf, mfp, emsp, vdep, bg, osp, solver = mech
    rtol, atol, max_steps = consts
    kernel.simulate(
        mi, mip, mf, mfp, one(0), one(1), one(2), pblh, emis, emsp, vdep, bg, vent,
        np.array([nsub], np.int64), int(transport), ky, kx, u, v, area, fx, fy,
        np.ascontiguousarray(halo), rtol, atol, max_steps, state, hstep, status, osp, out,
        nsteps, solver, hour,
    )  # fmt: skip
    result = block.copy()
    mine = result[r0:r1, c0:c1]
    mine[..., :ns] = state.reshape(sny, snx, ns)
    mine[..., ns] = hstep.reshape(sny, snx)
    mine[..., ns + 1] = status.reshape(sny, snx)
    mine[..., ns + 2] = nsteps.reshape(sny, snx)
    mine[..., ns + 3 : width] = out[0].reshape(sny, snx, no)
    return result


def simulate_tiled(args: tuple[Any, ...], shape: tuple[int, int], tile: tuple[int, int]) -> None:
    """Run :func:`engine.kernels.photochem.simulate` on the arguments ``args`` in tiles.

    Parameters
    ----------
    args : tuple
        The kernel's arguments without ``hour0``, as :func:`engine.photochem._model.simulate`
        builds them; ``state``, ``hstep``, ``status``, ``out`` and ``nsteps`` receive the
        results in place.
    shape : (int, int)
        The grid ``(ny, nx)``; cells are numbered row by row.
    tile : (int, int)
        Tile size in cells ``(y, x)``; a tile smaller than the ring (the windiest hour's
        transport sub-steps + 1) is enlarged to it.
    """
    import dask
    import dask.array as da

    (mi, mip, mf, mfp, cosz, trans, temp, pblh, emis, emsp, vdep, bg, vent, nsub, transport,
     _, _, u, v, area, fx, fy, edge, rtol, atol, max_steps, state, hstep, status, osp, out,
     nsteps, solver) = args  # fmt: skip
    gy, gx = shape
    nt, nc = cosz.shape
    ns, no, nem = state.shape[1], osp.size, emis.shape[2]
    ring = int(nsub.max()) + 1 if transport else 0
    # a tile holds at least the ring: smaller tiles are enlarged (the answer does not change)
    ty, tx = (max(int(t), ring, 1) for t in tile)
    chunks = (tile_chunks(gy, ty, ring), tile_chunks(gx, tx, ring))
    jj, ii = np.meshgrid(np.arange(gy), np.arange(gx), indexing="ij")
    static = np.zeros((gy, gx, _STATIC))
    static[..., 0], static[..., 1] = jj, ii
    static[..., 3] = vent.reshape(gy, gx)
    if transport:
        static[..., 2] = area.reshape(gy, gx)
        static[..., 4], static[..., 5] = fx[:, :gx], fx[:, 1:]
        static[..., 6], static[..., 7] = fy[:gy], fy[1:]
    hourly = np.empty((nt, gy, gx, _HOURLY + nem))
    for k, field in enumerate((cosz, trans, temp, pblh[:-1], pblh[1:])):
        hourly[..., k] = field.reshape(nt, gy, gx)
    if transport:
        hourly[..., 5], hourly[..., 6] = u.reshape(nt, gy, gx), v.reshape(nt, gy, gx)
    else:
        hourly[..., 5:7] = 0.0
    hourly[..., _HOURLY:] = emis.reshape(nt, gy, gx, nem)
    packed = np.zeros((gy, gx, ns + 3 + no))
    packed[..., :ns] = state.reshape(gy, gx, ns)
    packed[..., ns] = hstep.reshape(gy, gx)
    packed[..., ns + 1] = status.reshape(gy, gx)
    packed[..., ns + 2] = nsteps.reshape(gy, gx)

    lazy = da.from_array(packed, chunks=(*chunks, (packed.shape[2],)))
    fixed = da.from_array(static, chunks=(*chunks, (_STATIC,)))
    forcing = da.from_array(hourly, chunks=((1,) * nt, *chunks, (hourly.shape[3],)))
    mech = (mi, mip, mf, mfp, emsp, vdep, bg, osp, solver)
    hours = []
    for t in range(nt):
        depth = int(nsub[t]) + 1 if transport else 0
        axes = {a: depth if len(chunks[a]) > 1 else 0 for a in (0, 1)}
        block = da.concatenate([lazy, fixed, forcing[t]], axis=2).rechunk({2: -1})
        lazy = da.map_overlap(
            _hour, block, depth={**axes, 2: 0}, boundary="none", trim=True,
            dtype=np.float64, hour=t, nsub=int(nsub[t]),
            edge=edge[t] if transport else None, transport=bool(transport),
            shape=(gy, gx), sizes=(ns, no), mech=mech, consts=(rtol, atol, max_steps),
        )  # fmt: skip
        hours.append(lazy[..., ns + 3 : ns + 3 + no])
        lazy = lazy[..., : ns + 3 + no]
    final, means = dask.compute(lazy, da.stack(hours))
    state[:] = final[..., :ns].reshape(nc, ns)
    hstep[:] = final[..., ns].reshape(nc)
    status[:] = final[..., ns + 1].reshape(nc).astype(np.int8)
    nsteps[:] = final[..., ns + 2].reshape(nc).astype(np.int64)
    out[:] = np.asarray(means).reshape(nt, nc, no)
