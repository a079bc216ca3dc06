"""Measure row: production actions applied to each line of each enterprise, and the reductions.

The reference applies the rules of :func:`engine.kernels.measures.measure_lines` one line at a
time in plain Python (also the benchmark's peer; ``benchmarks/bench_measures.py`` compares the
whole plan with pandas).
"""

from __future__ import annotations

import math

import numpy as np

from engine.kernels import measures as kernel
from tests.kernel_table._types import Case, Kernel, Outputs, Peer, Tolerance

N_PROCESSES, N_RULES = 3, 5


def generate(seed: int, size: int, dtype=np.float64) -> Case:
    """``size`` enterprises of 0 … 6 lines under random rules (stop, limit output, stop a share
    of a process's lines, codes the kernel ignores; some naming one line), with guarantee
    enterprises, lines already stopped, idle lines and equal capacities (ties)."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(0, 7, size)
    n_line = int(counts.sum())
    codes, values, procs, lines, start = [], [], [], [], [0]
    for _ in range(N_RULES):
        for _ in range(int(rng.integers(0, 4))):
            code = int(rng.integers(1, 6))
            codes.append(code)
            values.append(float(rng.choice([0.1, 0.2, 0.5, 1 / 3, 1.0])))
            share = code == 3 or rng.random() < 0.3  # a share action names its process
            procs.append(int(rng.integers(0, N_PROCESSES)) if share else -1)
            one_line = code in (1, 2) and rng.random() < 0.2
            lines.append(int(rng.integers(0, max(n_line, 1))) if one_line else -1)
        start.append(len(codes))
    capacity = rng.choice([100.0, 200.0, 300.0], n_line)
    current = capacity * rng.choice([0.8, 1.0, 1.2], n_line)
    base = np.minimum(capacity, current)
    current[rng.random(n_line) < 0.05] = 0.0
    inputs = dict(
        ent_line_start=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        ent_rule=rng.integers(-1, N_RULES, size).astype(np.int32),
        ent_guarantee=rng.random(size) < 0.2,
        ent_cap=np.where(rng.random(size) < 0.5, rng.uniform(0.3, 0.9, size), np.nan),
        rule_start=np.asarray(start, np.int64),
        act_code=np.asarray(codes, np.int8),
        act_value=np.asarray(values, np.float64),
        act_process=np.asarray(procs, np.int32),
        act_line=np.asarray(lines, np.int64),
        line_process=rng.integers(0, N_PROCESSES, n_line).astype(np.int32),
        line_base=base.astype(dtype),
        line_current=current.astype(dtype),
        line_share=capacity.astype(dtype),
        line_stopped=rng.random(n_line) < 0.15,
        line_rate=rng.uniform(0, 50, (n_line, 4)).astype(dtype),
        line_hours=rng.choice([8.0, 16.0, 24.0], n_line).astype(dtype),
    )
    text = f"{size:,} enterprises, {n_line:,} lines, {np.dtype(dtype).name}"
    return Case(inputs, seed, size, text)


def run(case: Case) -> Outputs:
    return kernel.measure_lines(**case.inputs)


def reference(case: Case) -> Outputs:
    c = {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in case.inputs.items()}
    n_line, n_ent = len(c["line_process"]), len(c["ent_rule"])
    n_pol = case.inputs["line_rate"].shape[1]
    action, act, fraction = [0] * n_line, [-1] * n_line, [0.0] * n_line
    for e in range(n_ent):
        lines = range(c["ent_line_start"][e], c["ent_line_start"][e + 1])
        rule = c["ent_rule"][e]
        if rule < 0:
            continue
        for a in range(c["rule_start"][rule], c["rule_start"][rule + 1]):
            code, x = c["act_code"][a], c["act_value"][a]
            if code not in (kernel.ACT_STOP, kernel.ACT_LIMIT, kernel.ACT_SHARE):
                continue
            scope = [
                i for i in lines
                if c["act_process"][a] in (-1, c["line_process"][i]) and c["act_line"][a] in (-1, i)
            ]  # fmt: skip
            chosen = set()
            if code == kernel.ACT_SHARE and not c["ent_guarantee"][e]:
                chosen = _share(scope, c["line_stopped"], c["line_share"], x)
            for i in scope:
                label, f = _outcome(c, e, i, code, x, i in chosen)
                if act[i] < 0 or f > fraction[i]:
                    action[i], act[i], fraction[i] = label, a, f
    reduction = np.zeros((n_line, n_pol))
    enterprise = np.zeros((n_ent, n_pol))
    for e in range(n_ent):
        for i in range(c["ent_line_start"][e], c["ent_line_start"][e + 1]):
            for p in range(n_pol):
                rate = c["line_rate"][i][p] * c["line_hours"][i]
                reduction[i, p] = 0.0 if c["line_stopped"][i] else fraction[i] * rate
                enterprise[e, p] += reduction[i, p]
    return (
        np.array(action, np.int8), np.array(act, np.int32), np.array(fraction), reduction,
        enterprise,
    )  # fmt: skip


def _share(scope: list[int], stopped: list[bool], share: list[float], x: float) -> set[int]:
    """Lines stopped by a share rule: those already stopped, then the largest running ones
    (the first on ties) until ``x`` of the capacity in scope is stopped."""
    total = sum(share[i] for i in scope)
    chosen = {i for i in scope if stopped[i]}
    done = sum(share[i] for i in scope if stopped[i])
    for i in sorted((i for i in scope if not stopped[i]), key=lambda i: (-share[i], i)):
        if done >= x * total * kernel.SHARE_TOLERANCE:
            break
        chosen.add(i)
        done += share[i]
    return chosen


def _outcome(c: dict, e: int, i: int, code: int, x: float, chosen: bool) -> tuple[int, float]:
    """Outcome code and removed fraction of line ``i`` under one action."""
    base, current = c["line_base"][i], c["line_current"][i]
    if c["ent_guarantee"][e]:  # never stopped, never cut harder than the rule (rules.md §3.3)
        cap = c["ent_cap"][e]
        capped = 0.0 if math.isnan(cap) or current <= 0.0 else max(0.0, 1.0 - cap * base / current)
        if code != kernel.ACT_LIMIT:  # a stop or a share: the guaranteed output (no cap: no stop)
            return kernel.OUT_CAP, capped
        limited = 0.0 if current <= 0.0 else max(0.0, 1.0 - (1.0 - x) * base / current)
        if not math.isnan(cap) and current > 0.0 and capped < limited:  # the cap leaves more
            return kernel.OUT_CAP, capped
        return kernel.OUT_LIMIT, limited
    if code == kernel.ACT_STOP:
        return kernel.OUT_STOP, 1.0
    if code == kernel.ACT_LIMIT:
        f = 0.0 if current <= 0.0 else max(0.0, 1.0 - (1.0 - x) * base / current)
        return kernel.OUT_LIMIT, f
    return (kernel.OUT_SHARE_STOP, 1.0) if chosen else (kernel.OUT_SHARE_KEEP, 0.0)


def plain_python(case: Case, sample: int):
    """The reference on the first ``sample`` enterprises."""
    c = case.inputs
    k = min(sample, case.size)
    n = int(c["ent_line_start"][k])
    ent = ("ent_rule", "ent_guarantee", "ent_cap")
    line = ("line_process", "line_base", "line_current", "line_share", "line_stopped",
            "line_rate", "line_hours")  # fmt: skip
    part = dict(c, ent_line_start=c["ent_line_start"][: k + 1])
    part.update({name: c[name][:k] for name in ent} | {name: c[name][:n] for name in line})
    sub = Case(part, case.seed, k, "")
    return (lambda: reference(sub)), k / max(case.size, 1)


MEASURE_LINES = Kernel(
    name="measure_lines",
    entry=kernel._measure,
    run=run,
    reference=reference,
    generate=generate,
    size_of="enterprises",
    peers=(Peer("plain Python, per line", plain_python),),
    dtypes=(np.float32, np.float64),  # float inputs; the kernel works (and answers) in float64
    reference_tolerance=Tolerance(rtol=1e-12, atol=1e-9),
    test_sizes=(40, 4000),
    reference_size=300,
    bench_size=400_000,  # about a million lines
)
