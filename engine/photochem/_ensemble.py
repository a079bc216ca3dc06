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

__all__ = ["Member", "draw_members"]


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
