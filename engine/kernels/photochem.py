"""Photochemical box model on a grid: an implicit Rosenbrock solver per cell, 2-D transport.

Longer than the house limit of ~400 lines on purpose: the numba kernel and its plain-numpy twin
implement the same scheme and belong side by side, so a change to one is seen against the
other. Chemistry and numerics are explained in docs/chemistry.md (§3 the box, §4 transport,
§8 the solver).

Each cell is a well-mixed box of depth ``h`` (the boundary layer). Over one chemistry interval
the forcing is held constant and the mixing ratios ``c`` [ppb] obey

    dc/dt = chem(c) + E / h − (v_d / h) c + (w⁺ / h + κ) (c_bg − c)

with ``E`` the emission flux [ppb m s⁻¹], ``v_d`` deposition velocities [m s⁻¹], ``w⁺`` the
growth rate of the layer [m s⁻¹] (entrainment of background air from above), ``κ`` a
ventilation rate [s⁻¹] (cells without transport) and ``chem`` mass-action kinetics of
reactions with one or two reactants: rate ``k · c_a [· c_b]``, net stoichiometry from data.

The integrator is RODAS3 (Sandu et al. 1997, Atmos. Environ. 31, 3459; coefficients as in the
Kinetic PreProcessor): 4 stages, order 3, L-stable and stiffly accurate, with an embedded
error estimate and adaptive steps. Steps that would leave a value below ``−atol`` are rejected
and retried shorter. A value within ``atol`` below zero is kept in the state, so that linear
invariants (nitrogen in a closed box) are conserved to round-off, and reported as zero: no
output is ever negative. A cell whose step shrinks below 1e-9 of its interval, that takes more than
``max_steps`` steps or that meets a NaN is marked (``status`` 1), put back to background air so
that transport carries nothing undefined, and reports NaN from then on. For the GRS the same
scheme runs as the solver written out for it (``_rodas_grs.py``, eight cells to a vector, by
engine/photochem/_codegen.py); ``_integrate`` below serves any other mechanism.

Transport (when ``transport`` is 1) runs before chemistry in each of ``nsub[t]`` sub-steps of
hour ``t``: dimension-split (x then y, y then x on alternate sub-steps), flux-form first-order
upwind, with the density correction c = (c A + Σ fluxes) / (A + Σ air fluxes), so a uniform
field stays uniform under divergent winds and tracer mass is conserved exactly under
non-divergent ones. Inflow at the domain edge takes the ``edge`` values (the halo).

Core dims: ``state (cell, species)``; forcing ``(time, cell)`` (``pblh`` ``(time + 1, cell)``:
its values at hour boundaries); ``emis (time, cell, emitted)``; ``out (time, cell, output)``
hourly means (trapezoid over sub-steps); ``edge (time, 2 ny + 2 nx, species)`` ordered west
column, east column, first row side (j = −1), last row side (j = ny).
"""

from __future__ import annotations

import hashlib

import numpy as np
from numpy.typing import NDArray

from engine.kernels import _rodas_grs
from engine.kernels._compile import get_num_threads, jit, numba_enabled, prange
from engine.kernels._rodas import (
    A31,
    A41,
    A43,
    C21,
    C31,
    C32,
    C41,
    C42,
    C43,
    FAC_REJ,
    GAMMA,
    MIN_STEP_SHARE,
    step_factor,
    step_factor_numpy,
)  # fmt: skip

__all__ = ["STATUS_FAILED", "STATUS_INPUT", "STATUS_OK", "fingerprint", "simulate", "solver_for"]

STATUS_OK = 0
STATUS_FAILED = 1
"""The solver did not converge in the cell (too many or too short steps, or NaN)."""
STATUS_INPUT = 2
"""The cell's inputs held NaN: not computed."""

_BLOCK = 32  # cells dealt to a thread's chunk together

INT_FIELDS = (
    "ra", "rb", "kphot", "eptr", "esp", "lrow", "lcol", "ldiag", "jptr", "jpos", "jwhich",
    "epos", "ediag", "uptr", "utarget", "usource",
)  # fmt: skip
"""Integer arrays of a mechanism, packed in this order by :func:`pack` (kernel species order)."""
FLOAT_FIELDS = ("ka", "kb", "kc", "pl", "pm", "pn", "ecoef", "jcoef")
"""Float arrays of a mechanism, packed in this order by :func:`pack`."""


def pack(arrays: dict[str, NDArray]) -> tuple[NDArray, NDArray, NDArray, NDArray]:
    """``(ints, int_ptr, floats, float_ptr)``: the mechanism arrays as the kernel takes them.

    ``arrays`` holds every name of :data:`INT_FIELDS` and :data:`FLOAT_FIELDS`; field ``i`` is
    ``ints[int_ptr[i]:int_ptr[i + 1]]`` (likewise for floats).
    """
    out = []
    for fields, dtype in ((INT_FIELDS, np.int64), (FLOAT_FIELDS, np.float64)):
        parts = [np.asarray(arrays[f], dtype).ravel() for f in fields]
        ptr = np.zeros(len(parts) + 1, np.int64)
        ptr[1:] = np.cumsum([p.size for p in parts])
        out += [np.ascontiguousarray(np.concatenate(parts)), ptr]
    return out[0], out[1], out[2], out[3]


_STRUCTURE = (
    "ra", "rb", "eptr", "esp", "ecoef", "lrow", "lcol", "ldiag", "jptr", "jpos", "jcoef",
    "jwhich", "epos", "ediag", "uptr", "utarget", "usource",
)  # fmt: skip
_GENERATED = (_rodas_grs,)
"""Solvers written out for a mechanism (engine/photochem/_codegen.py); solver id = place + 1."""
_RATES = (0, _rodas_grs.NR)
"""Rate constants each solver reads (0: the general solver reads every copy's)."""
_BATCH = 256
"""Cells handed to a written-out solver at once (it keeps LANES of them in flight)."""


def fingerprint(arrays: dict[str, NDArray]) -> str:
    """A digest of a mechanism's structure: reactants, stoichiometry and the LU pattern.

    Rate constants are not part of it (the kernel passes them at run time), so a solver
    written out for a mechanism serves it under any rate constants, and under no other
    structure.
    """
    digest = hashlib.sha256()
    for name in _STRUCTURE:
        dtype = np.float64 if name in ("ecoef", "jcoef") else np.int64
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(arrays[name], dtype).tobytes())
    return digest.hexdigest()[:20]


def solver_for(arrays: dict[str, NDArray]) -> int:
    """The solver of a mechanism's arrays (one copy's): a written-out one, or 0 (general)."""
    key = fingerprint(arrays)
    for place, module in enumerate(_GENERATED):
        if module.FINGERPRINT == key:
            return place + 1
    return 0


def unpack(ints: NDArray, iptr: NDArray, floats: NDArray, fptr: NDArray) -> dict[str, NDArray]:
    """The inverse of :func:`pack`."""
    out = {f: ints[iptr[i] : iptr[i + 1]] for i, f in enumerate(INT_FIELDS)}
    out.update({f: floats[fptr[i] : fptr[i + 1]] for i, f in enumerate(FLOAT_FIELDS)})
    return out


_SIGNATURE = (
    "void(i8[::1], i8[::1], f8[::1], i8[::1], "
    "f8[:, ::1], f8[:, ::1], f8[:, ::1], f8[:, ::1], f8[:, :, ::1], i8[::1], f8[::1], f8[::1], "
    "f8[::1], i8[::1], i8, i8, i8, f8[:, ::1], f8[:, ::1], f8[::1], f8[:, ::1], f8[:, ::1], "
    "f8[:, :, ::1], f8, f8, i8, f8[:, ::1], f8[::1], i1[::1], i8[::1], f8[:, :, ::1], i8[::1], i8, "
    "i8, i8)"
)


# --------------------------------------------------------------------------------------------
# numba kernel
# --------------------------------------------------------------------------------------------


@jit(
    "i8(f8[::1], f8, f8[::1], f8[::1], f8[::1], i8[::1], i8[::1], f8[::1], i8[::1], f8, f8, "
    "i8, f8[::1], f8[:, ::1], f8[::1], f8[::1], f8[::1], f8[::1])",
    fastmath=frozenset({"contract", "arcp"}),
)
def _integrate(  # type: ignore[no-untyped-def]
    y, span, k, prod, loss, mi, mip, mf, mfp, rtol, atol, max_steps, hstep, stages, ys, f, jv, lu
):
    """Advance ``y`` by ``span`` seconds with RODAS3; the steps taken, or −1 on failure.

    ``hstep[0]`` holds the step to try first and receives the step to try next. One
    function on purpose: the right-hand side, the sparse Jacobian, the sparse LU and the
    solves are written inline (calls between compiled functions are not inlined).
    """
    # unsigned views of the (non-negative) index arrays: no negative-index test on each load
    mu = mi.view(np.uint64)
    ra, rb = mu[mip[0] : mip[1]], mi[mip[1] : mip[2]]  # rb holds −1 for one reactant
    eptr, esp = mu[mip[3] : mip[4]], mu[mip[4] : mip[5]]
    lrow, lcol, ldiag = mu[mip[5] : mip[6]], mu[mip[6] : mip[7]], mu[mip[7] : mip[8]]
    jptr, jpos, jwhich = mu[mip[8] : mip[9]], mu[mip[9] : mip[10]], mi[mip[10] : mip[11]]
    epos, ediag = mu[mip[11] : mip[12]], mu[mip[12] : mip[13]]
    uptr, utarget, usource = mu[mip[13] : mip[14]], mu[mip[14] : mip[15]], mu[mip[15] : mip[16]]
    ecoef, jcoef = mf[mfp[6] : mfp[7]], mf[mfp[7] : mfp[8]]
    ns, nr, nnz = y.size, k.size, jv.size
    t = 0.0
    h = min(max(hstep[0], 1e-3), span)
    steps = 0
    reject_last = False
    reject_more = False
    stale = True  # the Jacobian depends on y only: a rejected step reuses it
    while t < span:
        if steps >= max_steps or h < MIN_STEP_SHARE * span:
            return -1
        proposed = h
        h = min(h, span - t)
        if stale:  # Jacobian, scattered into the factor pattern
            for p in range(nnz):
                jv[p] = 0.0
            for r in range(nr):
                a, b = ra[r], rb[r]
                if b < 0:
                    da, db = k[r], 0.0
                elif a == np.uint64(b):
                    da, db = 2.0 * k[r] * y[a], 0.0
                else:
                    da, db = k[r] * y[np.uint64(b)], k[r] * y[a]
                for e in range(jptr[r], jptr[r + 1]):
                    jv[jpos[e]] += jcoef[e] * (da if jwhich[e] == 0 else db)
            stale = False
        # LU of I / (h γ) − J without pivoting, by the precomputed eliminations
        ghinv = 1.0 / (h * GAMMA)
        for p in range(nnz):
            lu[p] = -jv[p]
        for i in range(ns):
            lu[ldiag[i]] += ghinv + loss[i]
        singular = False
        for e in range(epos.size):
            pivot = lu[ediag[e]]
            if pivot == 0.0 or pivot != pivot:
                singular = True
                break
            factor = lu[epos[e]] / pivot
            lu[epos[e]] = factor
            for u in range(uptr[e], uptr[e + 1]):
                lu[utarget[u]] -= factor * lu[usource[u]]
        if not singular:
            for i in range(ns):
                d = lu[ldiag[i]]
                if d == 0.0 or d != d:
                    singular = True
        if singular:
            h *= 0.5
            steps += 1
            continue
        k1, k2, k3 = stages[0], stages[1], stages[2]
        for stage in range(4):
            if stage == 0:
                for i in range(ns):
                    ys[i] = y[i]
            elif stage == 2:
                for i in range(ns):
                    ys[i] = y[i] + A31 * k1[i]
            elif stage == 3:
                for i in range(ns):
                    ys[i] = y[i] + A41 * k1[i] + A43 * k3[i]
            if stage != 1:
                for i in range(ns):
                    f[i] = prod[i] - loss[i] * ys[i]
                for r in range(nr):
                    v = k[r] * ys[ra[r]]
                    if rb[r] >= 0:
                        v *= ys[np.uint64(rb[r])]
                    for e in range(eptr[r], eptr[r + 1]):
                        f[esp[e]] += ecoef[e] * v
            kvec = stages[stage]
            if stage == 0:
                for i in range(ns):
                    kvec[i] = f[i]
            elif stage == 1:
                c21 = C21 / h
                for i in range(ns):
                    kvec[i] = f[i] + c21 * k1[i]
            elif stage == 2:
                c31, c32 = C31 / h, C32 / h
                for i in range(ns):
                    kvec[i] = f[i] + c31 * k1[i] + c32 * k2[i]
            else:
                c41, c42, c43 = C41 / h, C42 / h, C43 / h
                for i in range(ns):
                    kvec[i] = f[i] + c41 * k1[i] + c42 * k2[i] + c43 * k3[i]
            for i in range(ns):
                s = kvec[i]
                for p in range(lrow[i], ldiag[i]):
                    s -= lu[p] * kvec[lcol[p]]
                kvec[i] = s
            for i in range(ns - 1, -1, -1):
                s = kvec[i]
                for p in range(ldiag[i] + 1, lrow[i + 1]):
                    s -= lu[p] * kvec[lcol[p]]
                kvec[i] = s / lu[ldiag[i]]
        err = 0.0
        negative = False
        for i in range(ns):
            new = ys[i] + stages[3, i]  # stiffly accurate: y + 2 K1 + K3 + K4
            scale = atol + rtol * max(abs(y[i]), abs(new))
            err += (stages[3, i] / scale) ** 2
            if new < -atol:
                negative = True
        err = np.sqrt(err / ns)
        steps += 1
        if err != err:
            return -1
        fac = step_factor(err)
        if err <= 1.0 and not negative:
            for i in range(ns):
                y[i] = ys[i] + stages[3, i]
            stale = True
            t += h
            hnew = h * fac
            if reject_last:
                hnew = min(hnew, h)
            # the next interval starts from the step the error allows, not from a last step
            # cut short by the end of this interval
            hstep[0] = hnew if proposed <= h else max(hnew, proposed)
            reject_last = False
            reject_more = False
            h = hnew
        else:
            if negative and err <= 1.0:
                h *= 0.5
            elif reject_more:
                h *= FAC_REJ
            else:
                h *= fac
            reject_more = reject_last
            reject_last = True
    return steps


@jit("void(f8[:, ::1], f8[::1], f8[::1], f8[:, ::1], f8[::1], f8[:, ::1], f8[:, ::1], "
     "f8[:, ::1], f8, i8, i8, i1[::1], f8[::1], i8)", parallel=True)  # fmt: skip
def _advect(  # type: ignore[no-untyped-def]
    state, u, v, edge, area, fx, fy, scratch, dt, ny, nx, status, bg, axis
):
    """One upwind sweep along ``axis`` (0: x, 1: y) with the density correction."""
    ns = state.shape[1]
    if axis == 0:
        for j in prange(ny):
            for s in range(ns):
                for i in range(nx):
                    scratch[j * nx + i, s] = state[j * nx + i, s] * area[j * nx + i]
            air = np.empty(nx)
            for i in range(nx):
                air[i] = area[j * nx + i]
            for face in range(nx + 1):
                left = j * nx + face - 1
                right = j * nx + face
                if face == 0:
                    speed = u[right]
                elif face == nx:
                    speed = u[left]
                else:
                    speed = 0.5 * (u[left] + u[right])
                width = speed * fx[j, face] * dt
                if face > 0:
                    air[face - 1] -= width
                if face < nx:
                    air[face] += width
                for s in range(ns):
                    if width >= 0.0:
                        c = edge[j, s] if face == 0 else state[left, s]
                        if face > 0 and status[left] != 0:
                            c = bg[s]
                    else:
                        c = edge[ny + j, s] if face == nx else state[right, s]
                        if face < nx and status[right] != 0:
                            c = bg[s]
                    if face > 0:
                        scratch[left, s] -= width * c
                    if face < nx:
                        scratch[right, s] += width * c
            for i in range(nx):
                cell = j * nx + i
                if status[cell] != 0:  # marked cells stay background air
                    continue
                for s in range(ns):
                    state[cell, s] = scratch[cell, s] / air[i]
    else:
        for i in prange(nx):
            for s in range(ns):
                for j in range(ny):
                    scratch[j * nx + i, s] = state[j * nx + i, s] * area[j * nx + i]
            air = np.empty(ny)
            for j in range(ny):
                air[j] = area[j * nx + i]
            for face in range(ny + 1):
                low = (face - 1) * nx + i
                high = face * nx + i
                if face == 0:
                    speed = v[high]
                elif face == ny:
                    speed = v[low]
                else:
                    speed = 0.5 * (v[low] + v[high])
                width = speed * fy[face, i] * dt
                if face > 0:
                    air[face - 1] -= width
                if face < ny:
                    air[face] += width
                for s in range(ns):
                    if width >= 0.0:
                        c = edge[2 * ny + i, s] if face == 0 else state[low, s]
                        if face > 0 and status[low] != 0:
                            c = bg[s]
                    else:
                        c = edge[2 * ny + nx + i, s] if face == ny else state[high, s]
                        if face < ny and status[high] != 0:
                            c = bg[s]
                    if face > 0:
                        scratch[low, s] -= width * c
                    if face < ny:
                        scratch[high, s] += width * c
            for j in range(ny):
                cell = j * nx + i
                if status[cell] != 0:
                    continue
                for s in range(ns):
                    state[cell, s] = scratch[cell, s] / air[j]


@jit(_SIGNATURE, parallel=True)
def _simulate_numba(  # type: ignore[no-untyped-def]
    mi, mip, mf, mfp,
    cosz, trans, temp, pblh, emis, emsp, vdep, bg, vent,
    nsub, transport, ny, nx, u, v, area, fx, fy, edge,
    rtol, atol, max_steps, state, hstep, status, osp, out, nsteps, solver, hour0, nchunk,
):  # fmt: skip
    nt, nc = cosz.shape
    ka, kb, kc = mf[mfp[0] : mfp[1]], mf[mfp[1] : mfp[2]], mf[mfp[2] : mfp[3]]
    pl, pm, pn = mf[mfp[3] : mfp[4]], mf[mfp[4] : mfp[5]], mf[mfp[5] : mfp[6]]
    kphot = mi[mip[2] : mip[3]]
    ns, nr, no, nem = state.shape[1], ka.size, osp.size, emsp.size
    nnz = mip[7] - mip[6]
    nrate = nr if solver == 0 else _RATES[solver]  # a written-out solver reads one copy's
    batch = 1 if solver == 0 else max(_BATCH, _rodas_grs.LANES)
    nphot = pl.size
    nblock = (nc + _BLOCK - 1) // _BLOCK
    scratch = np.empty((nc if transport else 1, ns))
    for t in range(nt):
        n = nsub[t]
        span = 3600.0 / n
        for c in range(nc):
            for o in range(no):
                out[t, c, o] = 0.0
        for sub in range(n):
            if transport:
                first = (sub + t + hour0) % 2
                for sweep in range(2):
                    _advect(state, u[t], v[t], edge[t], area, fx, fy, scratch, span, ny, nx,
                            status, bg, (first + sweep) % 2)  # fmt: skip
            for chunk in prange(nchunk):
                ys = np.empty(ns)
                f = np.empty(ns)
                jphot = np.empty(nphot)
                jv = np.empty(nnz)
                lu = np.empty(nnz)
                stages = np.empty((4, ns))
                # a written-out solver takes a batch of cells, each with its own steps
                yl = np.empty((batch, ns))
                prod = np.empty((batch, ns))
                loss = np.empty((batch, ns))
                k = np.empty((batch, nr))
                hs = np.empty(batch)
                taken = np.empty(batch, np.int64)
                cells = np.empty(batch, np.int64)
                fill = 0
                # blocks of _BLOCK cells dealt round-robin: emitting (stiff) cells cluster
                # in cities, and contiguous chunks would leave one thread with most of them;
                # cells within a block stay contiguous in memory
                turn = 0  # this chunk's blocks: chunk, chunk + nchunk, …
                blk = chunk + turn * nchunk
                c = blk * _BLOCK
                while True:
                    last = blk >= nblock
                    if not last:
                        if status[c] == 0:
                            q = fill
                            h = pblh[t, c] + (pblh[t + 1, c] - pblh[t, c]) * (sub + 0.5) / n
                            entrain = max(pblh[t + 1, c] - pblh[t, c], 0.0) / 3600.0 / h
                            entrain += vent[c]
                            tk = temp[t, c]
                            mu = cosz[t, c]
                            for p in range(nphot):
                                if mu > 0.0:
                                    jphot[p] = (
                                        pl[p] * mu ** pm[p] * np.exp(-pn[p] / mu) * trans[t, c]
                                    )
                                else:
                                    jphot[p] = 0.0
                            for r in range(nrate):
                                kr = ka[r]
                                if kc[r] != 0.0:
                                    kr *= np.exp(kc[r] / tk)
                                if kb[r] != 0.0:
                                    kr *= (tk / 300.0) ** kb[r]
                                if kphot[r] >= 0:
                                    kr *= jphot[kphot[r]]
                                k[q, r] = kr
                            for s in range(ns):
                                loss[q, s] = vdep[s] / h + entrain
                                prod[q, s] = entrain * bg[s]
                                yl[q, s] = state[c, s]
                            for e in range(nem):
                                prod[q, emsp[e]] += emis[t, c, e] / h
                            for o in range(no):
                                out[t, c, o] += 0.5 * max(yl[q, osp[o]], 0.0) / n
                            hs[q] = hstep[c]
                            cells[q] = c
                            fill += 1
                        c += 1
                        if c >= min(nc, (blk + 1) * _BLOCK):
                            turn += 1
                            blk = chunk + turn * nchunk
                            c = blk * _BLOCK
                    if fill == batch or (last and fill > 0):
                        if solver == 1:
                            _rodas_grs.integrate(yl, span, k, prod, loss, rtol, atol, max_steps,
                                                 hs, taken, fill)  # fmt: skip
                        else:
                            taken[0] = _integrate(yl[0], span, k[0], prod[0], loss[0], mi, mip,
                                                  mf, mfp, rtol, atol, max_steps, hs, stages, ys,
                                                  f, jv, lu)  # fmt: skip
                        for q in range(fill):
                            cell = cells[q]
                            if taken[q] < 0:
                                status[cell] = STATUS_FAILED
                                for s in range(ns):
                                    state[cell, s] = bg[s]
                                continue
                            nsteps[cell] += taken[q]
                            hstep[cell] = hs[q]
                            for s in range(ns):
                                state[cell, s] = yl[q, s]
                            for o in range(no):
                                out[t, cell, o] += 0.5 * max(yl[q, osp[o]], 0.0) / n
                        fill = 0
                    if last:
                        break
        for c in range(nc):
            if status[c] != 0:
                for o in range(no):
                    out[t, c, o] = np.nan


# --------------------------------------------------------------------------------------------
# numpy twin: the same scheme vectorised over cells (every cell with its own adaptive step)
# --------------------------------------------------------------------------------------------


def _rhs_numpy(y, k, prod, loss, ra, rb, stoich):  # type: ignore[no-untyped-def]
    rate = k * y[:, ra] * np.where(rb >= 0, y[:, np.maximum(rb, 0)], 1.0)
    return prod - loss * y + rate @ stoich


def _jacobian_numpy(y, k, loss, ra, rb, stoich):  # type: ignore[no-untyped-def]
    nc, ns = y.shape
    jac = np.zeros((nc, ns, ns))
    jac[:, np.arange(ns), np.arange(ns)] = -loss
    for r in range(ra.size):
        a, b = ra[r], rb[r]
        if b < 0:
            da, db = k[:, r], None
        elif a == b:
            da, db = 2.0 * k[:, r] * y[:, a], None
        else:
            da, db = k[:, r] * y[:, b], k[:, r] * y[:, a]
        jac[:, :, a] += da[:, None] * stoich[r][None, :]
        if db is not None:
            jac[:, :, b] += db[:, None] * stoich[r][None, :]
    return jac


def _integrate_numpy(y, span, k, prod, loss, ra, rb, stoich, rtol, atol, max_steps, hstep):  # type: ignore[no-untyped-def]
    nc, ns = y.shape
    t = np.zeros(nc)
    h = np.minimum(np.maximum(hstep, 1e-3), span)
    steps = np.zeros(nc, np.int64)
    failed = np.zeros(nc, bool)
    reject_last = np.zeros(nc, bool)
    reject_more = np.zeros(nc, bool)
    eye = np.eye(ns)
    while True:
        act = np.flatnonzero((t < span) & ~failed)
        if act.size == 0:
            return steps, failed
        bad = (steps[act] >= max_steps) | (h[act] < MIN_STEP_SHARE * span)
        failed[act[bad]] = True
        act = act[~bad]
        if act.size == 0:
            continue
        ya, ka, pa, la = y[act], k[act], prod[act], loss[act]
        proposed = h[act]
        ha = np.minimum(proposed, span - t[act])
        matrix = eye / (ha * GAMMA)[:, None, None] - _jacobian_numpy(ya, ka, la, ra, rb, stoich)

        def solve(rhs, m=matrix):  # type: ignore[no-untyped-def]
            return np.linalg.solve(m, rhs[:, :, None])[:, :, 0]

        f1 = _rhs_numpy(ya, ka, pa, la, ra, rb, stoich)
        k1 = solve(f1)
        k2 = solve(f1 + C21 / ha[:, None] * k1)
        ys = ya + A31 * k1
        k3 = solve(_rhs_numpy(ys, ka, pa, la, ra, rb, stoich) + (C31 * k1 + C32 * k2) / ha[:, None])
        ys = ya + A41 * k1 + A43 * k3
        k4 = solve(
            _rhs_numpy(ys, ka, pa, la, ra, rb, stoich)
            + (C41 * k1 + C42 * k2 + C43 * k3) / ha[:, None]
        )
        new = ys + k4
        scale = atol + rtol * np.maximum(np.abs(ya), np.abs(new))
        err = np.sqrt(np.mean((k4 / scale) ** 2, axis=1))
        steps[act] += 1
        nan = ~np.isfinite(err)
        failed[act[nan]] = True
        negative = (new < -atol).any(axis=1)
        with np.errstate(invalid="ignore"):
            fac = step_factor_numpy(err)
        ok = (err <= 1.0) & ~negative & ~nan
        acc = act[ok]
        y[acc] = new[ok]
        t[acc] += ha[ok]
        hnew = ha[ok] * fac[ok]
        hnew = np.where(reject_last[acc], np.minimum(hnew, ha[ok]), hnew)
        clipped = proposed[ok] > ha[ok]
        hstep[acc] = np.where(clipped, np.maximum(hnew, proposed[ok]), hnew)
        h[acc] = hnew
        reject_last[acc] = False
        reject_more[acc] = False
        rej = act[~ok & ~nan]
        rmask = ~ok & ~nan
        halve = negative[rmask] & (err[rmask] <= 1.0)
        h[rej] = np.where(
            halve,
            ha[rmask] * 0.5,
            np.where(reject_more[rej], ha[rmask] * FAC_REJ, ha[rmask] * fac[rmask]),
        )
        reject_more[rej] = reject_last[rej]
        reject_last[rej] = True


def _advect_numpy(state, u, v, edge, area, fx, fy, dt, ny, nx, status, bg, axis):  # type: ignore[no-untyped-def]
    ns = state.shape[1]
    c = np.where((status != 0)[:, None], bg[None, :], state).reshape(ny, nx, ns)
    a = area.reshape(ny, nx)
    if axis == 1:  # y sweep: the same as an x sweep of the transposed grid
        c, a = c.transpose(1, 0, 2), a.T
        speed_c = v.reshape(ny, nx).T
        faces = fy.T
        lo, hi = edge[2 * ny : 2 * ny + nx], edge[2 * ny + nx :]
    else:
        speed_c = u.reshape(ny, nx)
        faces = fx
        lo, hi = edge[:ny], edge[ny : 2 * ny]
    rows, cols = speed_c.shape
    speed = np.empty((rows, cols + 1))
    speed[:, 0], speed[:, -1] = speed_c[:, 0], speed_c[:, -1]
    speed[:, 1:-1] = 0.5 * (speed_c[:, :-1] + speed_c[:, 1:])
    width = speed * faces * dt  # (rows, faces) [m²]
    upstream = np.empty((rows, cols + 1, ns))
    left = np.concatenate([lo[:, None, :], c], axis=1)  # value left of each face
    right = np.concatenate([c, hi[:, None, :]], axis=1)
    upstream[:] = np.where((width >= 0)[:, :, None], left, right)
    flux = width[:, :, None] * upstream
    mass = c * a[:, :, None] + flux[:, :-1] - flux[:, 1:]
    air = a + width[:, :-1] - width[:, 1:]
    new = mass / air[:, :, None]
    if axis == 1:
        new = new.transpose(1, 0, 2)
    out = new.reshape(ny * nx, ns)
    keep = status != 0
    out[keep] = state[keep]
    return out


def _simulate_numpy(  # type: ignore[no-untyped-def]
    mi, mip, mf, mfp,
    cosz, trans, temp, pblh, emis, emsp, vdep, bg, vent,
    nsub, transport, ny, nx, u, v, area, fx, fy, edge,
    rtol, atol, max_steps, state, hstep, status, osp, out, nsteps, solver=0, hour0=0, nchunk=0,
):  # fmt: skip
    nt, nc = cosz.shape
    m = unpack(mi, mip, mf, mfp)
    ra, rb, eptr, esp, ecoef = m["ra"], m["rb"], m["eptr"], m["esp"], m["ecoef"]
    ka, kb, kc, kphot, pl, pm, pn = (m[x] for x in ("ka", "kb", "kc", "kphot", "pl", "pm", "pn"))
    ns, nr = state.shape[1], ka.size
    stoich = np.zeros((nr, ns))
    for r in range(nr):
        np.add.at(stoich[r], esp[eptr[r] : eptr[r + 1]], ecoef[eptr[r] : eptr[r + 1]])
    for t in range(nt):
        n = int(nsub[t])
        span = 3600.0 / n
        growth = (pblh[t + 1] - pblh[t]) / 3600.0
        out[t] = 0.0
        tk = temp[t][:, None]
        k = ka[None, :] * np.exp(kc[None, :] / tk) * (tk / 300.0) ** kb[None, :]
        mu = cosz[t][:, None]
        photo = kphot >= 0
        with np.errstate(divide="ignore", invalid="ignore"):
            p = np.maximum(kphot, 0)
            j = pl[p] * np.maximum(mu, 0.0) ** pm[p] * np.exp(-pn[p] / mu) * trans[t][:, None]
        j = np.where(mu > 0.0, j, 0.0)
        k = np.where(photo[None, :], k * j, k)
        for sub in range(n):
            if transport:
                first = (sub + t + hour0) % 2
                for sweep in range(2):
                    state[:] = _advect_numpy(state, u[t], v[t], edge[t], area, fx, fy, span,
                                             ny, nx, status, bg, (first + sweep) % 2)  # fmt: skip
            live = np.flatnonzero(status == 0)
            h = pblh[t, live] + (pblh[t + 1, live] - pblh[t, live]) * (sub + 0.5) / n
            entrain = np.maximum(growth[live], 0.0) / h + vent[live]
            loss = vdep[None, :] / h[:, None] + entrain[:, None]
            prod = entrain[:, None] * bg[None, :]
            np.add.at(prod, (slice(None), emsp), emis[t, live] / h[:, None])
            y = state[live].copy()
            out[t, live] += 0.5 * np.maximum(y[:, osp], 0.0) / n
            hs = hstep[live].copy()
            steps, failed = _integrate_numpy(
                y, span, k[live], prod, loss, ra, rb, stoich, rtol, atol, max_steps, hs
            )
            ok = live[~failed]
            state[ok] = y[~failed]
            hstep[ok] = hs[~failed]
            nsteps[ok] += steps[~failed]
            out[t, ok] += 0.5 * np.maximum(y[~failed][:, osp], 0.0) / n
            bad = live[failed]
            status[bad] = STATUS_FAILED
            state[bad] = bg
        out[t, status != 0] = np.nan


def simulate(*args: NDArray | int | float) -> None:  # noqa: D417 (documented at the module top)
    """Run the box model over every cell, in place (arguments as the module docstring names).

    ``state`` receives the final mixing ratios, ``hstep`` the last step of each cell [s],
    ``status`` the cells that failed (:data:`STATUS_FAILED`), ``out`` the hourly means of the
    ``osp`` species [ppb] (NaN in marked cells), ``nsteps`` the accepted-or-rejected steps.
    ``solver`` (after ``nsteps``) is :func:`solver_for` of the mechanism: 0 runs the general
    sparse solver, another id the solver written out for the mechanism (the same steps; the
    numpy twin is always general). The last argument ``hour0`` is the index of the first
    hour in the whole run (the order of the transport sweeps alternates with it), so a run
    split into pieces of hours sweeps as the whole run does.
    """
    if numba_enabled():
        nc = args[4].shape[1]  # type: ignore[union-attr]
        nchunk = np.int64(max(1, min(nc, 8 * get_num_threads())))
        _simulate_numba(*args, nchunk)  # type: ignore[call-arg]
    else:
        _simulate_numpy(*args)


simulate.compiled = _simulate_numba  # type: ignore[attr-defined]
simulate.twin = _simulate_numpy  # type: ignore[attr-defined]
