"""RODAS3 coefficients and step-size control, shared by every solver of the box model.

The general sparse solver (``_integrate`` in :mod:`engine.kernels.photochem`), its numpy
twin and the solvers written out for a mechanism (``_rodas_<id>.py``, by
engine/photochem/_codegen.py) take their coefficients and the next step's factor from here,
so that they take the same steps (docs/chemistry.md §8).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from engine.kernels._compile import jit

__all__ = ["step_factor", "step_factor_numpy"]

# RODAS3 (KPP's Rodas3): stage formula K_i = (I / (h γ) − J)⁻¹ (f(y + Σ a_ij K_j) + Σ c_ij K_j / h)
GAMMA = 0.5
A31, A41, A43 = 2.0, 2.0, 1.0
C21, C31, C32, C41, C42, C43 = 4.0, 1.0, -1.0, 1.0, -1.0, -8.0 / 3.0
FAC_MIN, FAC_MAX, FAC_SAFE, FAC_REJ = 0.2, 6.0, 0.9, 0.1
MIN_STEP_SHARE = 1e-9

# the error norms whose factor is not clamped: FAC_SAFE / cbrt(err) within [FAC_MIN, FAC_MAX]
_LOW = (FAC_SAFE / FAC_MAX) ** 3
_HIGH = (FAC_SAFE / FAC_MIN) ** 3


@jit("f8(f8)", error_model="numpy")
def step_factor(err):  # type: ignore[no-untyped-def]
    """``min(FAC_MAX, max(FAC_MIN, FAC_SAFE / ∛err))``: how much the next step may grow [1].

    The cube root by Newton's method from a guess within 25 % (the power-of-8 bracket of
    ``err``, a chord within it): six steps give it to 1e-12 relative, in arithmetic the
    compiler keeps inline and can vectorise over cells, where ``cbrt`` is a library call (a
    fifth of the written-out solver's time).
    """
    x = min(max(err, _LOW), _HIGH)
    if x < 0.015625:
        scale, t = 8.0, x * 512.0
    elif x < 0.125:
        scale, t = 4.0, x * 64.0
    elif x < 1.0:
        scale, t = 2.0, x * 8.0
    elif x < 8.0:
        scale, t = 1.0, x
    elif x < 64.0:
        scale, t = 0.5, x * 0.125
    else:
        scale, t = 0.25, x * 0.015625
    y = scale * (1.0 - (t - 1.0) * (1.0 / 14.0))  # ≈ x^(−1/3)
    for _ in range(6):
        y = y + y * (1.0 - x * y * y * y) * (1.0 / 3.0)
    return min(FAC_MAX, max(FAC_MIN, FAC_SAFE * y))


def step_factor_numpy(err: NDArray[np.float64]) -> NDArray[np.float64]:
    """:func:`step_factor` of every element (the numpy twin)."""
    x = np.clip(err, _LOW, _HIGH)
    edges = np.array([0.015625, 0.125, 1.0, 8.0, 64.0])
    bracket = np.searchsorted(edges, x, side="right")
    scale = np.array([8.0, 4.0, 2.0, 1.0, 0.5, 0.25])[bracket]
    t = x * np.array([512.0, 64.0, 8.0, 1.0, 0.125, 0.015625])[bracket]
    y = scale * (1.0 - (t - 1.0) * (1.0 / 14.0))
    for _ in range(6):
        y = y + y * (1.0 - x * y * y * y) * (1.0 / 3.0)
    return np.minimum(FAC_MAX, np.maximum(FAC_MIN, FAC_SAFE * y))
