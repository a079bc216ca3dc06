"""Measure selection and reduction accounting per production line (一厂一策).

One kernel, :func:`measure_lines`, applies to every line the production actions of its
enterprise's rule (catalogue rule or own plan, resolved beforehand into flat action arrays) and
accounts the reduction of each emission species. Lines are grouped by enterprise (enterprise
``e`` owns lines ``ent_line_start[e]:ent_line_start[e + 1]``); the numba version runs
enterprises in parallel. The numpy twin is loop-free over lines (it loops over the few action
slots of a rule).

Codes (plain integers; the meaning lives in :mod:`engine.measures`):

* action codes ``act_code``: 1 stop, 2 limit_output, 3 stop_share_of_lines; anything else
  (transport restriction, shift of hours) adds no plant reduction and is ignored here;
* line outcomes ``out_action``: 0 none, 1 stop, 2 limit_output, 3 stopped under a share rule,
  4 kept running under a share rule, 5 capped at the guaranteed output.

Guarantee firms (民生保障, docs/rules.md §3.3) are never stopped: their guaranteed output
(``ent_cap`` × base) replaces a stop or a share of lines (outcome 5; no cap: no stop, nothing
removed). Under an output limit they produce the larger of the rule's allowed output and the
guaranteed output (以需定产), so they are never cut harder than the rule asks: outcome 5 where
the cap leaves more, else the rule's limit (outcome 2, also when there is no cap).

This module is longer than the house's 400 lines on purpose: the kernel and its numpy twin stay
side by side, so that each can be read against the other.
"""

from __future__ import annotations

import numpy as np

from engine.kernels._compile import dispatch, jit, prange

__all__ = [
    "ACT_LIMIT",
    "ACT_SHARE",
    "ACT_STOP",
    "OUT_CAP",
    "OUT_LIMIT",
    "OUT_NONE",
    "OUT_SHARE_KEEP",
    "OUT_SHARE_STOP",
    "OUT_STOP",
    "SHARE_TOLERANCE",
    "measure_lines",
]

ACT_STOP, ACT_LIMIT, ACT_SHARE = 1, 2, 3
OUT_NONE, OUT_STOP, OUT_LIMIT, OUT_SHARE_STOP, OUT_SHARE_KEEP, OUT_CAP = 0, 1, 2, 3, 4, 5

SHARE_TOLERANCE = 1.0 - 1e-12
"""A share of exactly x·total counts as reached despite rounding of the sums [1]."""

_SIGNATURE = (
    "void(int64[:], int32[:], boolean[:], float64[:],"
    " int64[:], int8[:], float64[:], int32[:], int64[:],"
    " int32[:], float64[:], float64[:], float64[:], boolean[:], float64[:, :], float64[:],"
    " int8[:], int32[:], float64[:], float64[:, :], float64[:, :], boolean[:])"
)


@jit(_SIGNATURE, parallel=True)
def _measure_lines_numba(
    ent_line_start,
    ent_rule,
    ent_guarantee,
    ent_cap,
    rule_start,
    act_code,
    act_value,
    act_process,
    act_line,
    line_process,
    line_base,
    line_current,
    line_share,
    line_stopped,
    line_rate,
    line_hours,
    out_action,
    out_act,
    out_fraction,
    out_reduction,
    out_ent_reduction,
    selected,
):  # pragma: no cover - compiled
    n_ent = ent_rule.shape[0]
    n_pol = line_rate.shape[1]
    for e in prange(n_ent):
        s = ent_line_start[e]
        t = ent_line_start[e + 1]
        for i in range(s, t):
            out_action[i] = 0
            out_act[i] = -1
            out_fraction[i] = 0.0
        r = ent_rule[e]
        if r >= 0:
            guarantee = ent_guarantee[e]
            cap = ent_cap[e]
            for a in range(rule_start[r], rule_start[r + 1]):
                code = act_code[a]
                if code != 1 and code != 2 and code != 3:
                    continue
                x = act_value[a]
                share_total = 0.0
                share_done = 0.0
                if code == 3 and not guarantee:
                    for i in range(s, t):
                        if (act_process[a] < 0 or act_process[a] == line_process[i]) and (
                            act_line[a] < 0 or act_line[a] == i
                        ):
                            share_total += line_share[i]
                    for i in range(s, t):
                        selected[i] = False
                    for i in range(s, t):
                        if (
                            (act_process[a] < 0 or act_process[a] == line_process[i])
                            and (act_line[a] < 0 or act_line[a] == i)
                            and line_stopped[i]
                        ):
                            share_done += line_share[i]
                            selected[i] = True
                    threshold = x * share_total * (1.0 - 1e-12)
                    while share_done < threshold:
                        best = -1
                        for i in range(s, t):
                            if (
                                (act_process[a] < 0 or act_process[a] == line_process[i])
                                and (act_line[a] < 0 or act_line[a] == i)
                                and not selected[i]
                            ):
                                if best < 0 or line_share[i] > line_share[best]:
                                    best = i
                        if best < 0:
                            break
                        selected[best] = True
                        share_done += line_share[best]
                for i in range(s, t):
                    if not (
                        (act_process[a] < 0 or act_process[a] == line_process[i])
                        and (act_line[a] < 0 or act_line[a] == i)
                    ):
                        continue
                    current = line_current[i]
                    if guarantee and code == 2:
                        label = 2
                        if current <= 0.0:
                            f = 0.0
                        else:
                            f = max(0.0, 1.0 - (1.0 - x) * line_base[i] / current)
                            if not np.isnan(cap):
                                f_cap = max(0.0, 1.0 - cap * line_base[i] / current)
                                if f_cap < f:  # the guaranteed output is the larger one
                                    label = 5
                                    f = f_cap
                    elif guarantee:
                        label = 5
                        if np.isnan(cap) or current <= 0.0:
                            f = 0.0
                        else:
                            f = max(0.0, 1.0 - cap * line_base[i] / current)
                    elif code == 1:
                        label = 1
                        f = 1.0
                    elif code == 2:
                        label = 2
                        if current <= 0.0:
                            f = 0.0
                        else:
                            f = max(0.0, 1.0 - (1.0 - x) * line_base[i] / current)
                    elif selected[i]:
                        label = 3
                        f = 1.0
                    else:
                        label = 4
                        f = 0.0
                    if out_act[i] < 0 or f > out_fraction[i]:
                        out_action[i] = label
                        out_act[i] = a
                        out_fraction[i] = f
        for p in range(n_pol):
            out_ent_reduction[e, p] = 0.0
        for i in range(s, t):
            f = out_fraction[i]
            for p in range(n_pol):
                if line_stopped[i]:
                    red = 0.0
                else:
                    red = f * (line_rate[i, p] * line_hours[i])
                out_reduction[i, p] = red
                out_ent_reduction[e, p] += red


def _measure_lines_numpy(
    ent_line_start,
    ent_rule,
    ent_guarantee,
    ent_cap,
    rule_start,
    act_code,
    act_value,
    act_process,
    act_line,
    line_process,
    line_base,
    line_current,
    line_share,
    line_stopped,
    line_rate,
    line_hours,
    out_action,
    out_act,
    out_fraction,
    out_reduction,
    out_ent_reduction,
    selected,
):
    n_ent = ent_rule.shape[0]
    n_line = line_process.shape[0]
    line = np.arange(n_line)
    line_ent = np.repeat(np.arange(n_ent), np.diff(ent_line_start))
    rule = ent_rule[line_ent]
    has = rule >= 0
    safe_rule = np.where(has, rule, 0)
    n_act = np.where(has, rule_start[safe_rule + 1] - rule_start[safe_rule], 0)
    out_action[:] = 0
    out_act[:] = -1
    out_fraction[:] = 0.0
    guarantee = ent_guarantee[line_ent]
    cap = ent_cap[line_ent]
    with np.errstate(divide="ignore", invalid="ignore"):
        cap_f = np.where(
            np.isnan(cap) | (line_current <= 0.0),
            0.0,
            np.maximum(0.0, 1.0 - cap * line_base / line_current),
        )
    for k in range(int(n_act.max()) if n_line else 0):
        valid = has & (k < n_act)
        a = np.where(valid, rule_start[safe_rule] + k, 0)
        code = act_code[a]
        proc, only = act_process[a], act_line[a]
        match = valid & ((proc < 0) | (proc == line_process)) & ((only < 0) | (only == line))
        match &= (code == 1) | (code == 2) | (code == 3)
        x = act_value[a]
        f = np.zeros(n_line)
        label = np.zeros(n_line, np.int8)
        with np.errstate(divide="ignore", invalid="ignore"):
            limit_f = np.where(
                line_current <= 0.0,
                0.0,
                np.maximum(0.0, 1.0 - (1.0 - x) * line_base / line_current),
            )
        is_stop, is_limit = code == 1, code == 2
        share = match & ~guarantee & (code == 3)
        chosen = _share_selection(share, line_ent, line_stopped, line_share, x)
        f = np.where(is_stop, 1.0, np.where(is_limit, limit_f, np.where(chosen, 1.0, 0.0)))
        label = np.where(is_stop, 1, np.where(is_limit, 2, np.where(chosen, 3, 4))).astype(np.int8)
        # guarantee firms: the cap replaces stops and shares; under a limit, the larger output
        capped = guarantee & (~is_limit | (~np.isnan(cap) & (cap_f < limit_f)))
        f = np.where(capped, cap_f, f)
        label = np.where(capped, np.int8(5), label)
        update = match & ((out_act < 0) | (f > out_fraction))
        out_action[update] = label[update]
        out_act[update] = a[update]
        out_fraction[update] = f[update]
    emission = line_rate * line_hours[:, None]
    reduction = np.where(line_stopped[:, None], 0.0, out_fraction[:, None] * emission)
    out_reduction[:] = reduction
    for p in range(line_rate.shape[1]):
        out_ent_reduction[:, p] = np.bincount(line_ent, weights=reduction[:, p], minlength=n_ent)


def _share_selection(in_scope, line_ent, line_stopped, line_share, value):
    """Lines stopped under a share rule: already stopped first, then largest capacity first.

    ``in_scope`` marks the lines of one action slot; each enterprise is one group. A running line
    is selected while the capacity stopped before it is below ``value`` × the group's total.
    """
    selected = np.zeros(in_scope.shape[0], bool)
    idx = np.nonzero(in_scope)[0]
    if idx.size == 0:
        return selected
    ent, stopped, share = line_ent[idx], line_stopped[idx], line_share[idx]
    groups, start, size = np.unique(ent, return_index=True, return_counts=True)
    group = np.repeat(np.arange(groups.size), size)
    width = int(size.max())
    # totals summed in line order, as the kernel does
    rank = np.arange(idx.size) - start[group]
    by_line = np.zeros((groups.size, width))
    by_line[group, rank] = share
    total = np.cumsum(by_line, axis=1)[:, -1]
    # prefix sums in selection order: stopped lines (line order), then capacity descending
    order = np.lexsort((idx, -share, ~stopped, ent))
    by_turn = np.zeros((groups.size, width))
    by_turn[group, rank] = share[order]
    prefix = np.cumsum(by_turn, axis=1)
    before = np.where(rank > 0, prefix[group, np.maximum(rank - 1, 0)], 0.0)
    threshold = value[idx][order] * total[group] * SHARE_TOLERANCE
    chosen = stopped[order] | (before < threshold)
    selected[idx[order]] = chosen
    return selected


_measure = dispatch(_measure_lines_numba, _measure_lines_numpy)


def measure_lines(
    ent_line_start: np.ndarray,
    ent_rule: np.ndarray,
    ent_guarantee: np.ndarray,
    ent_cap: np.ndarray,
    rule_start: np.ndarray,
    act_code: np.ndarray,
    act_value: np.ndarray,
    act_process: np.ndarray,
    act_line: np.ndarray,
    line_process: np.ndarray,
    line_base: np.ndarray,
    line_current: np.ndarray,
    line_share: np.ndarray,
    line_stopped: np.ndarray,
    line_rate: np.ndarray,
    line_hours: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Apply each enterprise's production actions to its lines and account the reductions.

    Core dims: enterprise ``(enterprise,)``, rule ``(rule,)``, action ``(action,)``,
    line ``(line,)``, emission species ``(species,)`` (so2, nox, pm, voc).

    Parameters
    ----------
    ent_line_start : int64 (enterprise + 1,)
        Lines of enterprise ``e`` are ``ent_line_start[e]:ent_line_start[e + 1]``.
    ent_rule : int32 (enterprise,)
        Rule of each enterprise, ``-1`` for none (self-directed, exempt, no measure).
    ent_guarantee : bool (enterprise,)
        Guarantee (民生保障) enterprise: never stopped; under a limit, never cut harder than the
        rule asks (module docstring).
    ent_cap : float64 (enterprise,)
        Guaranteed output as a fraction of base output [1]; NaN: no cap given (stops become no
        stop, output limits hold).
    rule_start : int64 (rule + 1,)
        Actions of rule ``r`` are ``rule_start[r]:rule_start[r + 1]``.
    act_code : int8 (action,)
        1 stop, 2 limit_output, 3 stop_share_of_lines; other codes are ignored.
    act_value : float64 (action,)
        x of ``limit_output`` / ``stop_share_of_lines`` [1].
    act_process : int32 (action,)
        Process code the action applies to, ``-1`` for every process; a share action must name
        one process (its group).
    act_line : int64 (action,)
        Line index the action applies to, ``-1`` for every line.
    line_process : int32 (line,)
        Process code of each line.
    line_base : float64 (line,)
        Output base: min(permitted, licensed, last year's output) [output unit].
    line_current : float64 (line,)
        Current output (last year's) [same unit]; ``> 0`` for running lines.
    line_share : float64 (line,)
        Capacity compared by share rules [same unit].
    line_stopped : bool (line,)
        Already stopped before the alert: counts as stopped capacity, no reduction.
    line_rate : float64 (line, species)
        Emission rate at current output [kg h⁻¹].
    line_hours : float64 (line,)
        Operating hours per day [h d⁻¹].

    Integer, boolean and float inputs of other widths (e.g. float32) are converted first.

    Returns
    -------
    action : int8 (line,)
        Outcome code (module docstring).
    act : int32 (line,)
        Index of the action deciding the outcome, ``-1`` for none.
    fraction : float64 (line,)
        Fraction of the line's emissions removed [1].
    reduction : float64 (line, species)
        Reduction [kg d⁻¹]: fraction × rate × hours, zero for lines already stopped.
    enterprise_reduction : float64 (enterprise, species)
        Sum of the enterprise's line reductions [kg d⁻¹].
    """
    i64, i32, i8, f64 = np.int64, np.int32, np.int8, np.float64
    ent_line_start, rule_start, act_line = (
        np.ascontiguousarray(a, i64) for a in (ent_line_start, rule_start, act_line)
    )
    ent_rule, act_process, line_process = (
        np.ascontiguousarray(a, i32) for a in (ent_rule, act_process, line_process)
    )
    act_code = np.ascontiguousarray(act_code, i8)
    ent_guarantee, line_stopped = (
        np.ascontiguousarray(a, bool) for a in (ent_guarantee, line_stopped)
    )
    ent_cap, act_value, line_base, line_current, line_share, line_hours = (
        np.ascontiguousarray(a, f64)
        for a in (ent_cap, act_value, line_base, line_current, line_share, line_hours)
    )
    line_rate = np.ascontiguousarray(line_rate, f64)
    n_line, n_ent = line_process.shape[0], ent_rule.shape[0]
    n_pol = line_rate.shape[1]
    action = np.empty(n_line, np.int8)
    act = np.empty(n_line, np.int32)
    fraction = np.empty(n_line)
    reduction = np.empty((n_line, n_pol))
    enterprise_reduction = np.empty((n_ent, n_pol))
    _measure(
        ent_line_start,
        ent_rule,
        ent_guarantee,
        ent_cap,
        rule_start,
        act_code,
        act_value,
        act_process,
        act_line,
        line_process,
        line_base,
        line_current,
        line_share,
        line_stopped,
        line_rate,
        line_hours,
        action,
        act,
        fraction,
        reduction,
        enterprise_reduction,
        np.zeros(n_line, bool),  # scratch: lines chosen by a share rule
    )
    return action, act, fraction, reduction, enterprise_reduction
