"""Level rows: alert-level classification of AQI series, natural days and rolling windows.

The reference (also the benchmark's peer: what a centre's script does) reads the rules of
docs/rules.md §2.1 one series at a time in plain Python, as :mod:`engine.kernels.levels`
states them: every run of the first condition that begins within the anchor steps is tried,
earliest first; each further condition needs a long enough run inside it (the first longest
is reported).
"""

from __future__ import annotations

import numpy as np

from engine.kernels import levels as kernel
from engine.levels import MODES, get_rule_set, rule_table
from tests.kernel_table._types import Case, Kernel, Outputs, Peer


def _generator(mode: str):
    def generate(
        seed: int,
        size: int,
        dtype=None,
        *,
        days: int = 7,
        members: int = 1,
        rule_set: str = "MEE-2024",
        pre_alert: bool = False,
    ) -> Case:
        """``size`` series (``members`` consecutive blocks of the same regions: an ensemble)
        of daily AQI (natural) or hourly 24-h-window AQI (rolling) over ``days``: each region
        an episode of its own strength and timing, members scattered around it, with a few
        missing steps and steps driven by a pollutant that does not count."""
        rng = np.random.default_rng(seed)
        step_hours, window_hours, anchor = MODES[mode]
        n_steps = days * 24 // step_hours
        regions = -(-size // members) if size else 0
        t = np.arange(n_steps) * step_hours / 24.0  # days
        peak = rng.gamma(2.0, 90.0, (1, regions, 1))
        centre = rng.uniform(0, 3, (1, regions, 1))
        width = rng.uniform(1.0, 2.5, (1, regions, 1))
        spread = rng.normal(1.0, 0.2, (members, regions, 1))
        noise = rng.normal(0, 10, (members, regions, n_steps))
        if step_hours == 1:  # a 24-h mean moves slowly from one window to the next
            noise = np.cumsum(noise, axis=2) / np.sqrt(np.arange(1, n_steps + 1))
        aqi = 40 + peak * spread * np.exp(-(((t - centre) / width) ** 2)) + noise
        aqi = np.clip(aqi, 1, 500).astype(np.int32).reshape(members * regions, n_steps)[:size]
        aqi[rng.random(aqi.shape) < 0.01] = -1
        counts = rng.random(aqi.shape) < 0.95
        table = rule_table(get_rule_set(rule_set), pre_alert=pre_alert)
        inputs = dict(
            aqi=aqi, counts=counts, table=table, step_hours=step_hours,
            window_hours=window_hours, anchor=anchor,
        )  # fmt: skip
        text = f"{size:,} series x {n_steps} {mode} steps, {rule_set}"
        return Case(inputs, seed, size, text)

    return generate


def run(case: Case) -> Outputs:
    c = case.inputs
    table = c["table"]
    return kernel.classify_series(
        c["aqi"], c["counts"], table.threshold, table.inclusive, table.hours, table.n_conditions,
        step_hours=c["step_hours"], window_hours=c["window_hours"], anchor=c["anchor"],
    )  # fmt: skip


def reference(case: Case) -> Outputs:
    c = case.inputs
    table = c["table"]
    width = table.threshold.shape[1]
    rows = zip(c["aqi"].tolist(), c["counts"].tolist(), strict=True)
    found = [_classify(a, k, table.clauses, c["step_hours"], c["window_hours"], c["anchor"])
             for a, k in rows]  # fmt: skip
    clause = np.array([f[0] for f in found], np.int32)
    spans = np.zeros((len(found), max(width, 1), 2), np.int32)
    for i, (_, pairs) in enumerate(found):
        spans[i, : len(pairs)] = np.reshape(pairs, (-1, 2))
    return clause, spans


def _classify(aqi, counts, clauses, step_hours, window_hours, anchor):
    """First clause that holds on one series, and its spans (``[start, stop)`` per condition)."""

    def exceeds(t: int, cond) -> bool:
        v = aqi[t]
        return (
            v >= 0 and counts[t] and (v >= cond.threshold if cond.inclusive else v > cond.threshold)
        )

    def runs(cond, lo: int, hi: int) -> list[tuple[int, int]]:
        """Maximal runs of ``cond`` in ``[lo, hi)``."""
        found, t = [], lo
        while t < hi:
            if exceeds(t, cond):
                start = t
                while t < hi and exceeds(t, cond):
                    t += 1
                found.append((start, t))
            t += 1
        return found

    def lasts(run: tuple[int, int], cond) -> bool:
        return (run[1] - run[0]) * step_hours + window_hours - step_hours >= cond.hours

    for index, clause in enumerate(clauses):
        for first in runs(clause[0], 0, len(aqi)):
            if first[0] >= anchor:
                break
            if not lasts(first, clause[0]):
                continue
            spans = [first]
            for cond in clause[1:]:
                inside = runs(cond, *first)
                longest = max(inside, key=lambda r: r[1] - r[0], default=None)  # the first
                if longest is None or not lasts(longest, cond):
                    break
                spans.append(longest)
            else:
                return index, spans
    return -1, []


def plain_python(case: Case, sample: int):
    """The rules one series at a time in plain Python (the reference) on ``sample`` series."""
    c = case.inputs
    part = Case(dict(c, aqi=c["aqi"][:sample], counts=c["counts"][:sample]), case.seed, sample, "")
    return (lambda: reference(part)), min(sample, case.size) / max(case.size, 1)


_COMMON = dict(
    run=run,
    reference=reference,
    size_of="series",
    peers=(Peer("plain Python, per series", plain_python),),
    dtypes=(np.int32,),
    test_sizes=(500, 5000),  # the serial and the parallel kernel
    reference_size=500,
)
LEVELS_NATURAL = Kernel(
    name="classify_series[natural]", entry=kernel._classify, generate=_generator("natural"),
    bench_size=87_000, bench_options=dict(members=30), **_COMMON,  # 2,900 counties x 30
)  # fmt: skip
LEVELS_ROLLING = Kernel(
    name="classify_series[rolling]", entry=kernel._classify, generate=_generator("rolling"),
    bench_size=87_000, bench_options=dict(members=30), **_COMMON,
)  # fmt: skip
