"""Unified social credit codes (统一社会信用代码, GB 32100-2015) for synthetic enterprises."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["credit_code_check", "credit_codes"]

_USCC = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28])


def credit_code_check(first17: np.ndarray) -> np.ndarray:
    """Check character index of unified social credit codes (GB 32100-2015).

    ``first17``: (code, 17) indices into the 31-character alphabet; returns (code,) indices.
    """
    return (31 - (first17 @ _USCC_WEIGHTS) % 31) % 31


def credit_codes(
    region_codes: Sequence[str], region_of: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Unique valid credit codes (code,) of enterprises registered in ``region_codes[region_of]``.

    Registration authority 9 (market regulation), kind 1 (enterprise), the region's six digits
    (non-digits read as 0), eight random digits, a random 17th character and the check character.
    """
    n = region_of.size
    body = rng.integers(0, 10, (n, 8))
    digits = np.array(
        [[int(ch) if ch.isdigit() else 0 for ch in c[:6].ljust(6, "0")] for c in region_codes]
    ).reshape(len(region_codes), 6)
    first17 = np.concatenate(
        [np.tile([9, 1], (n, 1)), digits[region_of], body, rng.integers(0, 31, (n, 1))], axis=1
    )
    check = credit_code_check(first17)
    alphabet = np.array(list(_USCC))
    full = np.concatenate([first17, check[:, None]], axis=1)
    return _unique_codes(np.array(["".join(r) for r in alphabet[full]], object))


def _unique_codes(credit: np.ndarray) -> np.ndarray:
    seen: set[str] = set()
    out = credit.copy()
    for k, code in enumerate(credit.tolist()):
        while code in seen:  # vanishingly rare: bump the 17th character, recompute the check
            body = [_USCC.index(c) for c in code[:16]] + [(_USCC.index(code[16]) + 1) % 31]
            code = code[:16] + _USCC[body[16]] + _USCC[int(credit_code_check(np.array([body]))[0])]
        seen.add(code)
        out[k] = code
    return out
