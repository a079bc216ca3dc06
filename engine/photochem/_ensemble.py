"""Ensemble members: what is uncertain, drawn from a seeded generator (docs/chemistry.md §6).

Member 0 is the central run (every factor 1, no offset). Each other member draws, independently:
the boundary-layer depth factor (uniform within ± ``pblh_range``), the VOC reactivity and the
photolysis factors (log-normal, one standard deviation ``ln(factor)``), an offset of background
O3 (normal [ppb]) and one factor per rate constant (log-normal with the reaction's own
``uncertainty_factor``). The same seed gives the same members.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from numpy.typing import NDArray

from engine.photochem._mechanism import Mechanism
from engine.photochem._settings import ModelSettings

__all__ = ["Member", "draw_members", "member_percentiles"]


def member_percentiles(values: NDArray[np.floating], percents: list[float]) -> NDArray[np.float64]:
    """Percentiles over the first axis (members), NaN skipped: ``np.nanpercentile``, linear.

    ``(member, ...) -> (percent, ...)``; all-NaN slices give NaN. Sorting once along the
    member axis (NaN sorts last) and interpolating between the ranks is vectorised, where
    ``np.nanpercentile`` on a NaN-holding array loops over every slice in Python (minutes on a
    grid of cells).
    """
    ordered = np.sort(np.asarray(values, np.float64), axis=0)
    valid = np.sum(~np.isnan(ordered), axis=0)
    out = np.full((len(percents), *ordered.shape[1:]), np.nan)
    if ordered.shape[0] == 0:
        return out
    last = np.maximum(valid - 1, 0)
    for i, percent in enumerate(percents):
        rank = percent / 100.0 * last
        low = np.floor(rank).astype(np.int64)
        high = np.minimum(low + 1, last)
        frac = rank - low
        a = np.take_along_axis(ordered, low[None], axis=0)[0]
        b = np.take_along_axis(ordered, high[None], axis=0)[0]
        with np.errstate(invalid="ignore"):  # numpy's lerp, exact at both ends
            value = np.where(frac >= 0.5, b - (b - a) * (1.0 - frac), a + (b - a) * frac)
        out[i] = np.where(valid > 0, value, np.nan)
    return out


@dataclasses.dataclass(frozen=True)
class Member:
    """Perturbations of one member: factors [1] and the background O3 offset [ppb]."""

    pblh_scale: float
    voc_reactivity: float
    photolysis_scale: float
    background_o3_ppb: float
    k_scale: NDArray[np.float64]

    def as_dict(self) -> dict[str, float]:
        """The scalar perturbations, for the result's provenance."""
        return {
            "pblh_scale": self.pblh_scale,
            "voc_reactivity": self.voc_reactivity,
            "photolysis_scale": self.photolysis_scale,
            "background_o3_ppb": self.background_o3_ppb,
        }


def draw_members(n: int, mechanism: Mechanism, settings: ModelSettings, seed: int) -> list[Member]:
    """``n`` members (the first central) for ``mechanism``.

    Parameters
    ----------
    n : int
        Number of members, at least 1.
    mechanism : Mechanism
    settings : ModelSettings
        The spreads (``[ensemble]`` of ``model.toml``).
    seed : int
        Seed of the generator.
    """
    if n < 1:
        raise ValueError(f"an ensemble needs at least one member, got {n}")
    rng = np.random.default_rng(seed)
    nr = len(mechanism.reactions)
    members = [Member(1.0, 1.0, 1.0, 0.0, np.ones(nr))]
    sigma_k = np.log(mechanism.uncertainty_factors)
    for _ in range(n - 1):
        members.append(
            Member(
                pblh_scale=float(rng.uniform(1 - settings.pblh_range, 1 + settings.pblh_range)),
                voc_reactivity=float(np.exp(rng.normal(0, np.log(settings.voc_reactivity_factor)))),
                photolysis_scale=float(np.exp(rng.normal(0, np.log(settings.photolysis_factor)))),
                background_o3_ppb=float(rng.normal(0, settings.background_o3_sd_ppb)),
                k_scale=np.exp(rng.normal(0.0, 1.0, nr) * sigma_k),
            )
        )
    return members
