"""Shared helpers of the benchmark scripts: timing, the memory-bandwidth floor, a printed table.

Stable API (other benchmark scripts import it):

* :func:`timeit` — best wall time of a callable over a few repeats [s];
* :func:`bandwidth_floor_seconds` — the time to read and write a number of bytes once at the
  bandwidth a plain numpy copy reaches on this machine [s];
* :func:`print_table` — a small table with columns case / ours / peer / ratio / floor fraction.

Compilation is never timed here: call the function once (warm-up) before :func:`timeit`, or let
``timeit`` do it with ``warmup=True`` (the default).
"""

from __future__ import annotations

import functools
import gc
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["bandwidth_floor_seconds", "copy_bandwidth", "format_seconds", "print_table", "timeit"]


def timeit(fn: Callable[[], Any], repeat: int = 5, *, warmup: bool = True) -> float:
    """Best wall-clock time of ``fn()`` over ``repeat`` calls [s].

    The best (not the mean) is the usual estimate of the cost without interference from the
    rest of the machine. ``warmup`` makes one untimed call first (JIT, caches, page faults).
    """
    if warmup:
        fn()
    best = float("inf")
    for _ in range(max(1, repeat)):
        gc.collect()
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


@functools.lru_cache(maxsize=1)
def copy_bandwidth(nbytes: int = 512 * 2**20, repeat: int = 5) -> float:
    """Bandwidth a numpy copy of ``nbytes`` reaches on this machine [bytes s⁻¹].

    Counts the bytes read plus the bytes written (``2 * nbytes`` per copy). The arrays are large
    enough (512 MiB by default) to miss every cache.
    """
    source = np.ones(nbytes // 8, dtype=np.float64)
    target = np.empty_like(source)
    seconds = timeit(lambda: np.copyto(target, source), repeat=repeat)
    return 2.0 * source.nbytes / seconds


def bandwidth_floor_seconds(nbytes_read: int, nbytes_written: int) -> float:
    """Least time to read ``nbytes_read`` and write ``nbytes_written`` once [s].

    At the bandwidth of a numpy copy on this machine (:func:`copy_bandwidth`); a kernel that
    streams its input once cannot beat it, so ``floor / ours`` is the fraction of the floor
    reached (1 is perfect).
    """
    return (nbytes_read + nbytes_written) / copy_bandwidth()


def format_seconds(seconds: float | None) -> str:
    """``1.23 s``, ``45.6 ms``, ``789 µs``, ``1.23 µs``, ``456 ns``; ``-`` for ``None``."""
    if seconds is None or not np.isfinite(seconds):
        return "-"
    if seconds >= 1.0:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    if seconds >= 1e-5:
        return f"{seconds * 1e6:.0f} µs"
    if seconds >= 1e-6:
        return f"{seconds * 1e6:.2f} µs"
    return f"{seconds * 1e9:.0f} ns"


def print_table(title: str, rows: Sequence[dict[str, Any]]) -> None:
    """Print a benchmark table.

    Parameters
    ----------
    title : str
        Heading line.
    rows : sequence of dict
        Each with ``case`` (str), ``ours`` [s], optional ``peer`` [s] and ``peer_name`` (str),
        optional ``floor`` [s] (the bandwidth floor of the case). ``ratio`` is ``peer / ours``
        (how many times faster we are) and ``floor fraction`` is ``floor / ours``.
    """
    header = ("case", "ours", "peer", "ratio (peer/ours)", "floor fraction")
    lines = []
    for row in rows:
        ours = row.get("ours")
        peer = row.get("peer")
        floor = row.get("floor")
        peer_text = format_seconds(peer)
        if peer is not None and row.get("peer_name"):
            peer_text = f"{peer_text} ({row['peer_name']})"
        ratio = f"{peer / ours:,.1f}x" if peer is not None and ours else "-"
        fraction = f"{floor / ours:.2f}" if floor is not None and ours else "-"
        lines.append((str(row["case"]), format_seconds(ours), peer_text, ratio, fraction))
    widths = [
        max(len(h), *(len(line[i]) for line in lines)) if lines else len(h)
        for i, h in enumerate(header)
    ]
    print(f"\n{title}")
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for line in lines:
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)))
