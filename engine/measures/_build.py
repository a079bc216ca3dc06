"""One call for a region's plan: selection, accounting, shortfall proposals, document."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np

from engine.measures._catalogue import Catalogue
from engine.measures._plan import PlanResult, compute_plan
from engine.measures._registry import Registry
from engine.measures._report import plan_document
from engine.measures._shortfall import Proposals, propose_shortfall

__all__ = ["build_plan"]


def build_plan(
    registry: Registry,
    region: dict[str, Any],
    level: str,
    day: dt.date,
    *,
    region_chain: Sequence[str] = (),
    baseline_t_d: Sequence[float] | np.ndarray | None = None,
    catalogue: Catalogue | None = None,
    regime: str | None = None,
    language: str = "en",
) -> tuple[dict[str, Any], PlanResult, Proposals]:
    """The plan of one region: ``(document, result, proposals)``.

    ``registry`` holds the region's enterprises (grades in force on ``day``); ``region`` is
    ``{"code", "name"}``; ``region_chain`` defaults to ``[region["code"]]``; reasons and notes
    of the document are in ``language`` (``"en"`` or ``"zh"``). See :func:`compute_plan` for
    the other parameters.
    """
    chain = tuple(region_chain) or (str(region["code"]),)
    result = compute_plan(
        registry,
        level,
        day,
        region_chain=chain,
        baseline_t_d=baseline_t_d,
        catalogue=catalogue,
        regime=regime,
    )
    proposals = propose_shortfall(result)
    document = plan_document(result, region, proposals, language=language)
    return document, result, proposals
