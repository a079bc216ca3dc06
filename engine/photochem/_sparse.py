"""Symbolic sparse LU of a mechanism's Jacobian, as the kernel replays it (docs/chemistry.md §8).

As the Kinetic PreProcessor does, the pattern of the Rosenbrock matrix ``I / (h γ) − J`` is
known from the reactions alone: entry (i, j) is non-zero when species j is a reactant of a
reaction that changes species i, plus the diagonal. Species are ordered once — those that
react first, chosen greedily for least fill-in (Markowitz), then pure products (which react
with nothing and so add no fill) — and the LU factorisation without pivoting is written out as
a list of eliminations, so the kernel runs a short loop over a few dozen numbers per step
instead of a dense ``n³`` factorisation. The matrix's diagonal is ``1 / (h γ)`` plus losses and
dominates for the step sizes the error control allows; a zero pivot makes the kernel retry a
shorter step.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["sparse_structure"]


def _order(pattern: set[tuple[int, int]], active: list[int], passive: list[int]) -> list[int]:
    """Markowitz ordering of the reacting species, then the pure products."""
    remaining = set(active)
    fill = set(pattern)
    order = []
    while remaining:

        def cost(k: int) -> tuple[int, int]:
            rows = sum(1 for i in remaining if (i, k) in fill and i != k)
            cols = sum(1 for j in remaining if (k, j) in fill and j != k)
            return rows * cols, k

        pivot = min(remaining, key=cost)
        rows = [i for i in remaining if (i, pivot) in fill and i != pivot]
        cols = [j for j in remaining if (pivot, j) in fill and j != pivot]
        fill.update((i, j) for i in rows for j in cols)
        order.append(pivot)
        remaining.remove(pivot)
    return order + passive


def sparse_structure(
    n_species: int,
    reactants: list[tuple[int, int]],
    net: list[list[tuple[int, float]]],
) -> dict[str, NDArray[Any]]:
    """Ordering, fill-in pattern, Jacobian scatter and LU eliminations of a mechanism.

    Parameters
    ----------
    n_species : int
    reactants : list of (a, b)
        Reactant species of each reaction (``b`` −1 for one reactant), in file order.
    net : list of list of (species, coefficient)
        Net stoichiometry of each reaction (non-zero entries).

    Returns
    -------
    dict of ndarray
        ``order`` (kernel position → file species), ``rank`` (file species → kernel
        position); CSR of the factor pattern in kernel order: ``lrow`` (n + 1), ``lcol``,
        ``ldiag`` (position of each diagonal); Jacobian scatter per reaction ``jptr``
        (reactions + 1), ``jpos`` (position), ``jcoef`` (stoichiometric coefficient),
        ``jwhich`` (0: ∂rate/∂first reactant, 1: ∂rate/∂second); eliminations ``epos``,
        ``ediag`` with updates ``uptr`` (eliminations + 1), ``utarget``, ``usource``.
    """
    pattern = {(i, i) for i in range(n_species)}
    reacting = set()
    for (a, b), entries in zip(reactants, net, strict=True):
        reacting.add(a)
        if b >= 0:
            reacting.add(b)
        for s, _ in entries:
            pattern.add((s, a))
            if b >= 0:
                pattern.add((s, b))
    active = sorted(reacting)
    passive = [s for s in range(n_species) if s not in reacting]
    order = _order(pattern, active, passive)
    rank = np.empty(n_species, np.int64)
    rank[order] = np.arange(n_species)
    filled = {(int(rank[i]), int(rank[j])) for i, j in pattern}
    for k in range(n_species):  # symbolic elimination in kernel order
        below = [i for i in range(k + 1, n_species) if (i, k) in filled]
        right = [j for j in range(k + 1, n_species) if (k, j) in filled]
        filled.update((i, j) for i in below for j in right)
    rows: list[list[int]] = [sorted(j for (i, j) in filled if i == r) for r in range(n_species)]
    lrow = np.zeros(n_species + 1, np.int64)
    lrow[1:] = np.cumsum([len(r) for r in rows])
    lcol = np.array([j for r in rows for j in r], np.int64)
    position = {(i, j): int(lrow[i]) + rows[i].index(j) for i in range(n_species) for j in rows[i]}
    ldiag = np.array([position[(i, i)] for i in range(n_species)], np.int64)

    jptr, jpos, jcoef, jwhich = [0], [], [], []
    for (a, b), entries in zip(reactants, net, strict=True):
        for s, coef in entries:
            jpos.append(position[(int(rank[s]), int(rank[a]))])
            jcoef.append(coef)
            jwhich.append(0)
            if b >= 0 and b != a:
                jpos.append(position[(int(rank[s]), int(rank[b]))])
                jcoef.append(coef)
                jwhich.append(1)
        jptr.append(len(jpos))

    epos, ediag, uptr, utarget, usource = [], [], [0], [], []
    for i in range(n_species):
        for k in rows[i]:
            if k >= i:
                break
            epos.append(position[(i, k)])
            ediag.append(ldiag[k])
            for j in rows[k]:
                if j > k:
                    utarget.append(position[(i, j)])
                    usource.append(position[(k, j)])
            uptr.append(len(utarget))
    as_int = lambda v: np.array(v, np.int64)  # noqa: E731
    return {
        "order": np.array(order, np.int64),
        "rank": rank,
        "lrow": lrow,
        "lcol": lcol,
        "ldiag": ldiag,
        "jptr": as_int(jptr),
        "jpos": as_int(jpos),
        "jcoef": np.array(jcoef, np.float64),
        "jwhich": as_int(jwhich),
        "epos": as_int(epos),
        "ediag": as_int(ediag),
        "uptr": as_int(uptr),
        "utarget": as_int(utarget),
        "usource": as_int(usource),
    }
