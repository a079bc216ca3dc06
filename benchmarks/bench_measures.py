"""Benchmark: measure selection and reduction accounting for a 1 M-line registry.

Ours: :func:`engine.measures.compute_plan` (columnar arrays, one numba kernel over enterprises
in parallel) at the orange level with 1 % of enterprises on their own plans. Peer: a
straightforward pandas version of the same rules (merge lines with the catalogue actions,
group-wise share selection, group-by sums), timed on the same data in the same run; both
results are checked to agree to 1e-6 relative before the table is printed. Compilation (or
loading the cached machine code) is timed apart.

Run: ``.venv/bin/python benchmarks/bench_measures.py [--lines 1000000]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

_t0 = time.perf_counter()
import engine.kernels.measures as km  # noqa: E402  (eager compilation or cache load)

COMPILE_SECONDS = time.perf_counter() - _t0

import numba  # noqa: E402
import pandas as pd  # noqa: E402

from benchmarks._common import (  # noqa: E402
    bandwidth_floor_seconds,
    format_seconds,
    print_table,
    timeit,
)
from engine.kernels._compile import use_numba  # noqa: E402
from engine.measures import (  # noqa: E402
    EMISSION_SPECIES,
    GRADES,
    Plans,
    Registry,
    compute_plan,
    default_catalogue,
    propose_shortfall,
)
from registry.synthetic import synthetic_registry  # noqa: E402

DAY = dt.date(2026, 12, 2)
LEVEL = "orange"


def make_registry(n_lines: int, seed: int = 7) -> Registry:
    """A synthetic province: 40 county boxes, ~n_lines lines, 1 % of firms on own plans."""
    boxes = [
        (
            f"13{k // 10 + 1:02d}{k % 10 + 1:02d}",
            (
                114.0 + (k % 8) * 0.4,
                37.0 + (k // 8) * 0.4,
                114.4 + (k % 8) * 0.4,
                37.4 + (k // 8) * 0.4,
            ),
        )
        for k in range(40)
    ]
    synth = synthetic_registry(boxes, n_enterprises=int(n_lines / 2.05), seed=seed)
    registry = synth.to_registry()
    rng = np.random.default_rng(seed)
    planned = np.sort(
        rng.choice(registry.n_enterprises, registry.n_enterprises // 100, replace=False)
    )
    first_line = registry.line_start[planned]
    plans = Plans(
        enterprise=np.concatenate([planned, planned]),
        level=np.full(2 * planned.size, LEVEL, object),
        line=np.concatenate([first_line, np.full(planned.size, -1)]),
        action=np.concatenate(
            [
                np.full(planned.size, "limit_output", object),
                np.full(planned.size, "transport_restriction", object),
            ]
        ),
        value=np.concatenate([np.full(planned.size, 0.4), np.full(planned.size, np.nan)]),
    )
    order = np.argsort(plans.enterprise, kind="stable")
    plans = Plans(
        *(getattr(plans, f)[order] for f in ("enterprise", "level", "line", "action", "value"))
    )
    import dataclasses

    return dataclasses.replace(registry, plans=plans)


def pandas_plan(registry: Registry) -> np.ndarray:
    """The same selection and accounting, written plainly with pandas; totals (pollutant,)."""
    cat = default_catalogue()
    policy = cat.policy_for(())
    ent = pd.DataFrame(
        {
            "ent": np.arange(registry.n_enterprises),
            "industry": np.asarray(registry.industries, object)[registry.industry],
            "grade": np.asarray(GRADES, object)[registry.grade],
            "guarantee": registry.guarantee,
            "cap": registry.guarantee_cap,
            "positive": registry.positive_list,
        }
    )
    ent["eff_grade"] = ent["grade"].replace("ungraded", policy.ungraded_as)
    ent["self_directed"] = ent["grade"].isin(policy.self_directed_grades)
    ent["exempt"] = ent["positive"] & policy.positive_list_exempt
    plans = pd.DataFrame(
        {
            "ent": registry.plans.enterprise,
            "level": registry.plans.level,
            "line": registry.plans.line,
            "action": registry.plans.action,
            "value": registry.plans.value,
        }
    )
    plans = plans[plans["level"] == LEVEL]
    ent["planned"] = ent["ent"].isin(plans["ent"])
    lines = pd.DataFrame(
        {
            "line": np.arange(registry.n_lines),
            "ent": registry.line_enterprise(),
            "process": np.asarray(registry.processes, object)[registry.process],
            "permitted": registry.permitted_capacity,
            "licensed": registry.licensed_capacity,
            "last": registry.last_year_output,
            "hours": registry.hours_per_day,
            "stopped": registry.already_stopped,
        }
    )
    for k, p in enumerate(EMISSION_SPECIES):
        lines[p] = registry.emission_kg_h[:, k]
    lines["base"] = lines[["permitted", "licensed", "last"]].min(axis=1)
    lines = lines.merge(ent, on="ent", how="left")
    active = lines[~lines["self_directed"] & ~lines["exempt"]]
    # catalogue actions per (industry, effective grade)
    rows = []
    for industry in ent["industry"].unique():
        for grade in ent["eff_grade"].unique():
            rule = cat.rule_for(industry, grade, LEVEL, DAY)
            if rule is None:
                continue
            for k, a in enumerate(rule.actions):
                procs = a.processes if a.scope == "process" else (None,)
                for proc in procs:
                    rows.append(
                        (
                            industry,
                            grade,
                            f"{rule.id}:{k}",
                            a.action,
                            np.nan if a.value is None else a.value,
                            proc,
                        )
                    )
    actions = pd.DataFrame(
        rows, columns=["industry", "eff_grade", "act_id", "action", "value", "act_process"]
    )
    by_cat = active[~active["planned"]].merge(actions, on=["industry", "eff_grade"])
    by_cat = by_cat[by_cat["act_process"].isna() | (by_cat["act_process"] == by_cat["process"])]
    plan_acts = plans.rename(columns={"line": "act_line"}).reset_index(names="act_id")
    by_plan = active[active["planned"]].merge(plan_acts, on="ent")
    by_plan = by_plan[(by_plan["act_line"] < 0) | (by_plan["act_line"] == by_plan["line"])]
    pairs = pd.concat([by_cat, by_plan.assign(act_id=by_plan["act_id"].astype(str))])
    pairs = pairs[pairs["action"].isin(["stop", "limit_output", "stop_share_of_lines"])].copy()
    pairs["fraction"] = 0.0
    pairs.loc[pairs["action"] == "stop", "fraction"] = 1.0
    limit = pairs["action"] == "limit_output"
    pairs.loc[limit, "fraction"] = (
        1 - (1 - pairs.loc[limit, "value"]) * pairs.loc[limit, "base"] / pairs.loc[limit, "last"]
    ).clip(lower=0)
    share = pairs[(pairs["action"] == "stop_share_of_lines") & ~pairs["guarantee"]].copy()
    share = share.sort_values(
        ["ent", "act_id", "stopped", "permitted", "line"],
        ascending=[True, True, False, False, True],
    )
    grouped = share.groupby(["ent", "act_id"])["permitted"]
    share["before"] = grouped.cumsum() - share["permitted"]
    share["total"] = grouped.transform("sum")
    chosen = share["stopped"] | (share["before"] < share["value"] * share["total"] * (1 - 1e-12))
    pairs.loc[share.index[chosen.to_numpy()], "fraction"] = 1.0
    # guarantee firms: the cap replaces stops and shares (no cap: no stop); under a limit they
    # produce the larger of the allowed and the guaranteed output
    g = pairs["guarantee"].to_numpy()
    cap_f = (1 - pairs["cap"] * pairs["base"] / pairs["last"]).clip(lower=0)
    is_limit = (pairs["action"] == "limit_output").to_numpy()
    pairs.loc[g & ~is_limit, "fraction"] = cap_f[g & ~is_limit].fillna(0.0)
    eased = g & is_limit & (cap_f < pairs["fraction"]).to_numpy()
    pairs.loc[eased, "fraction"] = cap_f[eased]
    per_line = pairs.groupby("line").agg(
        fraction=("fraction", "max"),
        stopped=("stopped", "first"),
        hours=("hours", "first"),
        **{p: (p, "first") for p in EMISSION_SPECIES},
    )
    running = ~per_line["stopped"]
    return np.array(
        [
            (per_line["fraction"] * per_line[p] * per_line["hours"] * running).sum()
            for p in EMISSION_SPECIES
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    args = parser.parse_args()
    start = time.perf_counter()
    registry = make_registry(args.lines)
    setup = time.perf_counter() - start
    print(
        f"registry: {registry.n_enterprises:,} enterprises, {registry.n_lines:,} lines, "
        f"{len(registry.plans):,} plan rows (generated in {format_seconds(setup)}); "
        f"numba threads: {numba.get_num_threads()}; kernel compile/cache load "
        f"{format_seconds(COMPILE_SECONDS)} (not timed below)"
    )

    ours = compute_plan(registry, LEVEL, DAY)
    with use_numba(False):
        twin = compute_plan(registry, LEVEL, DAY)
    peer_start = time.perf_counter()
    peer_totals = pandas_plan(registry)
    peer = time.perf_counter() - peer_start
    np.testing.assert_allclose(ours.totals_kg_d, twin.totals_kg_d, rtol=1e-9)
    np.testing.assert_allclose(ours.totals_kg_d, peer_totals, rtol=1e-6)
    print(
        "totals [t/d] (ours = numpy twin = pandas): "
        + ", ".join(
            f"{p} {v / 1e3:,.1f}" for p, v in zip(EMISSION_SPECIES, ours.totals_kg_d, strict=True)
        )
    )

    t_ours = timeit(lambda: compute_plan(registry, LEVEL, DAY), repeat=5)
    with use_numba(False):
        t_twin = timeit(lambda: compute_plan(registry, LEVEL, DAY), repeat=2)
    t_peer = min(peer, timeit(lambda: pandas_plan(registry), repeat=1, warmup=False))

    args_kernel = dict(
        ent_line_start=registry.line_start,
        ent_rule=ours.rule,
        ent_guarantee=registry.guarantee,
        ent_cap=registry.guarantee_cap,
        rule_start=ours.rule_start,
        act_code=ours.act_code,
        act_value=ours.act_value,
        act_process=ours.act_process,
        act_line=ours.act_line,
        line_process=registry.process,
        line_base=registry.base_output(),
        line_current=registry.last_year_output,
        line_share=registry.permitted_capacity,
        line_stopped=registry.already_stopped,
        line_rate=registry.emission_kg_h,
        line_hours=registry.hours_per_day,
    )
    t_kernel = timeit(lambda: km.measure_lines(**args_kernel), repeat=5)
    n = registry.n_lines
    read = n * (4 + 8 * 3 + 1 + 8 * 4 + 8) + registry.n_enterprises * (8 + 4 + 1 + 8)
    written = n * (1 + 4 + 8 + 8 * 4) + registry.n_enterprises * 8 * 4
    baseline = ours.totals_kg_d / 1e3 / 0.15  # a region whose target is missed: proposals run
    short = compute_plan(registry, LEVEL, DAY, baseline_t_d=baseline)
    t_short = timeit(lambda: propose_shortfall(short), repeat=3)
    proposals = propose_shortfall(short)

    label = f"{n / 1e6:g} M lines"
    print_table(
        f"Measure selection + accounting at {LEVEL} ({label}, {numba.get_num_threads()} threads)",
        [
            {
                "case": f"compute_plan, numba ({label})",
                "ours": t_ours,
                "peer": t_peer,
                "peer_name": "pandas",
            },
            {
                "case": f"compute_plan, numpy twin ({label})",
                "ours": t_twin,
                "peer": t_peer,
                "peer_name": "pandas",
            },
            {
                "case": f"measure_lines kernel only ({label})",
                "ours": t_kernel,
                "floor": bandwidth_floor_seconds(read, written),
            },
            {"case": f"shortfall proposals ({len(proposals):,} lines proposed)", "ours": t_short},
        ],
    )
    print(
        f"\n{label}: selection + accounting {format_seconds(t_ours)} "
        f"({'under' if t_ours < 1.0 else 'OVER'} the 1 s target); pandas {format_seconds(t_peer)}"
        f"; ratio {t_peer / t_ours:,.1f}x"
    )


if __name__ == "__main__":
    main()
