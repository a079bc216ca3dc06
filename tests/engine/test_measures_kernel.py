"""The measure kernel against its numpy twin on random registries, and edge cases."""

from __future__ import annotations

import numpy as np
import pytest

from engine.kernels import measures as km


def _random_case(seed: int, dtype=np.float64):
    rng = np.random.default_rng(seed)
    n_ent = int(rng.integers(0, 40))
    counts = rng.integers(0, 7, n_ent)
    n_line = int(counts.sum())
    ent_line_start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    n_proc = 3
    # rules: random actions; share actions name a process
    n_rules = 5
    codes, values, procs, lines, start = [], [], [], [], [0]
    for _ in range(n_rules):
        for _ in range(int(rng.integers(0, 4))):
            code = int(rng.integers(1, 6))
            codes.append(code)
            values.append(float(rng.choice([0.1, 0.2, 0.5, 1 / 3, 1.0])))
            procs.append(int(rng.integers(0, n_proc)) if code == 3 or rng.random() < 0.3 else -1)
            lines.append(
                int(rng.integers(0, max(n_line, 1)))
                if code in (1, 2) and rng.random() < 0.2
                else -1
            )
        start.append(len(codes))
    ent_rule = rng.integers(-1, n_rules, n_ent).astype(np.int32)
    base_cap = rng.choice([100.0, 200.0, 300.0], n_line)  # ties on purpose
    current = base_cap * rng.choice([0.8, 1.0, 1.2], n_line)
    base = np.minimum(base_cap, current)
    current[rng.random(n_line) < 0.05] = 0.0
    return dict(
        ent_line_start=ent_line_start,
        ent_rule=ent_rule,
        ent_guarantee=rng.random(n_ent) < 0.2,
        ent_cap=np.where(rng.random(n_ent) < 0.5, rng.uniform(0.3, 0.9, n_ent), np.nan),
        rule_start=np.asarray(start, np.int64),
        act_code=np.asarray(codes, np.int8),
        act_value=np.asarray(values, np.float64),
        act_process=np.asarray(procs, np.int32),
        act_line=np.asarray(lines, np.int64),
        line_process=rng.integers(0, n_proc, n_line).astype(np.int32),
        line_base=base.astype(dtype),
        line_current=current.astype(dtype),
        line_share=base_cap.astype(dtype),
        line_stopped=rng.random(n_line) < 0.15,
        line_rate=rng.uniform(0, 50, (n_line, 4)).astype(dtype),
        line_hours=rng.choice([8.0, 16.0, 24.0], n_line).astype(dtype),
    )


def _run(case, numba):
    from engine.kernels._compile import use_numba

    with use_numba(numba):
        return km.measure_lines(**case)


@pytest.mark.parametrize("seed", range(60))
def test_kernel_matches_twin(seed):
    case = _random_case(seed)
    fast, slow = _run(case, True), _run(case, False)
    for a, b in zip(fast, slow, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("seed", range(5))
def test_float32_inputs_give_the_float64_result(seed):
    case32 = _random_case(seed, np.float32)
    case64 = {k: (v.astype(np.float64) if v.dtype == np.float32 else v) for k, v in case32.items()}
    for a, b in zip(_run(case32, True), _run(case64, True), strict=True):
        np.testing.assert_array_equal(a, b)


def _one(code, value, *, stopped=False, guarantee=False, cap=np.nan, base=80.0, current=100.0):
    return dict(
        ent_line_start=np.array([0, 1], np.int64),
        ent_rule=np.array([0], np.int32),
        ent_guarantee=np.array([guarantee]),
        ent_cap=np.array([cap]),
        rule_start=np.array([0, 1], np.int64),
        act_code=np.array([code], np.int8),
        act_value=np.array([value]),
        act_process=np.array([0 if code == 3 else -1], np.int32),
        act_line=np.array([-1], np.int64),
        line_process=np.array([0], np.int32),
        line_base=np.array([base]),
        line_current=np.array([current]),
        line_share=np.array([100.0]),
        line_stopped=np.array([stopped]),
        line_rate=np.array([[1.0, 2.0, 3.0, 4.0]]),
        line_hours=np.array([10.0]),
    )


@pytest.mark.parametrize("numba", [True, False])
@pytest.mark.parametrize(
    ("kwargs", "action", "fraction", "kg"),
    [
        (dict(code=1, value=np.nan), km.OUT_STOP, 1.0, [10, 20, 30, 40]),
        # limit 20 %: output ≤ 0.8 × 80 = 64 of 100 → cut 36 %
        (dict(code=2, value=0.2), km.OUT_LIMIT, 0.36, [3.6, 7.2, 10.8, 14.4]),
        (dict(code=3, value=0.5), km.OUT_SHARE_STOP, 1.0, [10, 20, 30, 40]),
        (dict(code=4, value=np.nan), km.OUT_NONE, 0.0, [0, 0, 0, 0]),
        (dict(code=1, value=np.nan, stopped=True), km.OUT_STOP, 1.0, [0, 0, 0, 0]),
        # guarantee, cap 0.5 of base 80 = 40 of 100 → cut 60 %, never stopped
        (dict(code=1, value=np.nan, guarantee=True, cap=0.5), km.OUT_CAP, 0.6, [6, 12, 18, 24]),
        (dict(code=3, value=0.5, guarantee=True), km.OUT_CAP, 0.0, [0, 0, 0, 0]),
    ],
)
def test_one_line(numba, kwargs, action, fraction, kg):
    out, act, frac, red, ent = _run(_one(**kwargs), numba)
    assert out[0] == action
    assert frac[0] == pytest.approx(fraction, abs=1e-12)
    np.testing.assert_allclose(red[0], kg, atol=1e-12)
    np.testing.assert_allclose(ent[0], kg, atol=1e-12)


# Guarantee firms (民生保障), docs/rules.md §3.3: never stopped; under an output limit they produce
# the larger of the rule's allowed output and their guaranteed output (以需定产). One line, base
# 90.3 of current 100: a limit x leaves (1 - x) × 90.3, a cap c leaves c × 90.3.
G = dict(guarantee=True, base=90.3, current=100.0)
RULE_30 = 1 - 0.7 * 0.903  # yellow limit_output 0.30: cut 36.79 %
RULE_50 = 1 - 0.5 * 0.903  # orange limit_output 0.50: cut 54.85 %
CAP_55 = 1 - 0.55 * 0.903  # cap 0.55: cut 50.34 %


@pytest.mark.parametrize("numba", [True, False])
@pytest.mark.parametrize(
    ("kwargs", "action", "fraction"),
    [
        # the rule asks less than the cap would cut: the rule's limit (not the cap's 50.3 %)
        (dict(code=2, value=0.3, cap=0.55), km.OUT_LIMIT, RULE_30),
        # the cap leaves more output than the rule: the cap
        (dict(code=2, value=0.5, cap=0.55), km.OUT_CAP, CAP_55),
        # no cap: the rule's output limit holds
        (dict(code=2, value=0.3), km.OUT_LIMIT, RULE_30),
        (dict(code=2, value=0.5), km.OUT_LIMIT, RULE_50),
        # stops and shares of lines are replaced by the cap; without a cap, no stop
        (dict(code=1, value=np.nan, cap=0.55), km.OUT_CAP, CAP_55),
        (dict(code=3, value=0.5, cap=0.55), km.OUT_CAP, CAP_55),
        (dict(code=1, value=np.nan), km.OUT_CAP, 0.0),
        (dict(code=3, value=0.5), km.OUT_CAP, 0.0),
    ],
)
def test_guarantee_firm_one_line(numba, kwargs, action, fraction):
    out, act, frac, red, ent = _run(_one(**G, **kwargs), numba)
    assert out[0] == action
    assert frac[0] == pytest.approx(fraction, abs=1e-12)
    np.testing.assert_allclose(red[0], fraction * np.array([10, 20, 30, 40]), atol=1e-9)


@pytest.mark.parametrize("numba", [True, False])
@pytest.mark.parametrize("seed", range(8))
def test_guarantee_firm_is_never_cut_harder_than_its_limit_rule(numba, seed):
    rng = np.random.default_rng(1000 + seed)
    case = _random_case(seed)
    case["act_code"] = np.full_like(case["act_code"], 2)  # output limits only
    case["ent_guarantee"] = np.ones_like(case["ent_guarantee"])
    case["ent_cap"] = np.where(
        rng.random(case["ent_cap"].size) < 0.7, rng.uniform(0.2, 0.95, case["ent_cap"].size), np.nan
    )
    plain = dict(case, ent_guarantee=np.zeros_like(case["ent_guarantee"]))
    _, _, guaranteed, _, _ = _run(case, numba)
    _, _, ruled, _, _ = _run(plain, numba)
    ent = np.repeat(np.arange(case["ent_rule"].size), np.diff(case["ent_line_start"]))
    cap = case["ent_cap"][ent]
    current = case["line_current"]
    with np.errstate(divide="ignore", invalid="ignore"):
        cap_f = np.where(current > 0, np.maximum(0.0, 1 - cap * case["line_base"] / current), 0.0)
    expected = np.where(np.isnan(cap), ruled, np.minimum(ruled, cap_f))
    np.testing.assert_array_equal(guaranteed, expected)
    assert np.all(guaranteed <= ruled)


@pytest.mark.parametrize("numba", [True, False])
def test_empty_registry(numba):
    case = _random_case(0)
    empty = {k: v[:0] for k, v in case.items()}
    empty["ent_line_start"] = np.zeros(1, np.int64)
    empty["rule_start"] = case["rule_start"]
    empty["line_rate"] = np.zeros((0, 4))
    out, act, frac, red, ent = _run(empty, numba)
    assert out.shape == (0,) and red.shape == (0, 4) and ent.shape == (0, 4)
