"""Which registry regions make up a region, and which baseline a region uses.

Enterprises carry the code of the region they are registered in (usually a county). A firm's
region resolves up the hierarchy, county → city → province: by the ``parent`` links of the
region set where it lists the code, else by the six-digit administrative code (``130102`` ⊂
``130100`` ⊂ ``130000``). A plan for a region covers the enterprises of the region and of every
region resolving to it; its baseline is its own, else the sum of its members'.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from engine.texts import say

__all__ = ["region_baseline", "region_chain", "region_members"]


def _admin_parent(code: str) -> str | None:
    if len(code) != 6 or not code.isdigit():
        return None
    if code[4:] != "00":
        return code[:4] + "00"
    if code[2:] != "0000":
        return code[:2] + "0000"
    return None


def region_chain(code: str, parents: Mapping[str, str | None] | None = None) -> list[str]:
    """``[code, parent, grandparent, …]`` by the hierarchy, else by administrative code.

    Parameters
    ----------
    code : str
        A region code (e.g. a firm's county, ``130102``).
    parents : mapping code → parent code, optional
        The region set's hierarchy; codes it does not list go up by administrative code.
    """
    parents = parents or {}
    chain = [code]
    while True:
        current = chain[-1]
        parent = parents[current] if current in parents else _admin_parent(current)
        if not parent or parent in chain:
            return chain
        chain.append(parent)


def region_members(
    code: str, candidates: Iterable[str], parents: Mapping[str, str | None] | None = None
) -> list[str]:
    """``code`` and the ``candidates`` (e.g. the registry's region codes) resolving to it
    (:func:`region_chain`), plus the regions of the hierarchy below it; sorted."""
    members = {code}
    for candidate in candidates:
        if code in region_chain(candidate, parents):
            members.add(candidate)
    for child, parent in (parents or {}).items():  # hierarchy members without enterprises
        if parent is not None and code in region_chain(child, parents):
            members.add(child)
    return sorted(members)


def region_baseline(
    code: str,
    baselines: Mapping[str, np.ndarray],
    members: Iterable[str],
    parents: Mapping[str, str | None] | None = None,
) -> tuple[np.ndarray | None, tuple[str, str]]:
    """Baseline of a region (species,) [t d⁻¹] and how it was found, in English and Chinese.

    The region's own baseline if imported; else the sum over its highest members that have
    one (a member is skipped when a region between it and ``code`` has one); else None.
    """
    if code in baselines:
        return baselines[code], say("measures.note.baseline_own", code=code)
    with_baseline = [m for m in members if m != code and m in baselines]
    top = []
    for m in with_baseline:
        chain = region_chain(m, parents)
        between = chain[1 : chain.index(code)] if code in chain else chain[1:]
        if not any(a in baselines for a in between):
            top.append(m)
    if not top:
        return None, say("measures.note.baseline_none", code=code)
    total = np.sum([baselines[m] for m in top], axis=0)
    return total, say("measures.note.baseline_sum", count=len(top), code=code)
