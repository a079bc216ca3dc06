"""Verification and compliance against straightforward pandas versions, on the same data.

* verification of 370 cities × 365 days × 10 lead days (1.35 M pairs): the level each day's
  observations trigger (MEE-2024, natural days), the pairing with the forecast levels and every
  score (per level and lead day, AQI errors and accuracies, rolling 30 and 90 days) —
  ``engine.verify`` against pandas (run lengths by group, merge, groupby);
* compliance of 100 k lines × 3 days of hourly use against their baseline profile —
  ``engine.compliance.check_use`` against pandas (long table, groupby); the baseline profile
  of 28 days is timed apart.

Both sides are checked to give the same counts before timing. Run: ``python
benchmarks/bench_verify.py``. The first calls (numba compilation, caches) are not timed.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import bandwidth_floor_seconds, print_table, timeit  # noqa: E402
from engine.compliance import (  # noqa: E402
    baseline_profile,
    check_use,
    compliance_rules,
    expected_use,
)
from engine.levels import LEVELS  # noqa: E402
from engine.regional import RegionalDaily  # noqa: E402
from engine.verify import ForecastSide, pair_with_observations, verification_scores  # noqa: E402

SEED = 20261130
N_CITIES, N_DAYS, N_LEADS = 370, 365, 10
FIRST = dt.date(2025, 1, 1)
LAST = FIRST + dt.timedelta(days=N_DAYS - 1)
N_LINES, CHECK_DAYS, LOOKBACK = 100_000, 3, 28


# ---------------------------------------------------------------- verification data


def verification_data() -> tuple[ForecastSide, RegionalDaily]:
    """Observed daily AQI (PM2.5 primary) with episodes, and forecasts of it for 10 leads."""
    rng = np.random.default_rng(SEED)
    n_obs = N_DAYS + 3  # the last days' levels look 3 days ahead
    log_aqi = np.log(90) + np.cumsum(rng.normal(0, 0.25, (N_CITIES, n_obs)), axis=1) * 0.5
    log_aqi = np.log(90) + 0.8 * (log_aqi - log_aqi.mean(axis=1, keepdims=True))
    observed = np.clip(np.exp(log_aqi), 20, 500).astype(np.int32)
    observed[rng.random(observed.shape) < 0.01] = -1  # missing days
    dates = np.datetime64(FIRST, "D") + np.arange(n_obs)
    dims = ("region", "date")
    codes = [f"{130100 + 100 * k}" for k in range(N_CITIES)]
    data = xr.Dataset(
        {
            "aqi": (dims, observed),
            "primary_pm25": (dims, observed > 50),
            "pm25": (dims, observed * 0.7),
        },
        coords={"region": codes, "date": dates.astype("datetime64[ns]")},
    )
    obs = RegionalDaily(data=data, hourly=xr.Dataset())
    # forecasts: the observed AQI with an error growing with the lead; levels from the
    # forecast AQI by a simple rule (the scoring does not care how they were made)
    region = np.repeat(np.arange(N_CITIES), N_DAYS * N_LEADS)
    day = np.tile(np.repeat(np.arange(N_DAYS), N_LEADS), N_CITIES)
    lead = np.tile(np.arange(1, N_LEADS + 1), N_CITIES * N_DAYS)
    truth = np.maximum(observed[region, day], 30)
    aqi = np.clip(truth * np.exp(rng.normal(0, 0.1 + 0.03 * lead)), 10, 500).astype(np.int32)
    level = np.select([aqi > 300, aqi > 200, aqi > 150], [4, 3, 2], 0).astype(np.int8)
    side = ForecastSide(
        source="forecast",
        region=np.array(codes, dtype=object)[region],
        date=dates[day],
        lead_day=lead.astype(np.int64),
        level=level,
        rule_set=np.full(region.size, "MEE-2024", dtype=object),
        aqi=aqi,
        pm25=aqi * 0.7,
        o3_mda8=np.full(region.size, np.nan),
    )
    return side, obs


def ours_verification(side: ForecastSide, obs: RegionalDaily) -> dict:
    pairs = pair_with_observations(side, obs)
    return verification_scores(pairs, FIRST, LAST)


def pandas_observed_levels(obs: RegionalDaily) -> pd.DataFrame:
    """MEE-2024 observed levels, natural days, 3-day horizon, PM2.5 primary every day."""
    frame = obs.data["aqi"].to_dataframe().reset_index()
    frame = frame.sort_values(["region", "date"])
    horizon = 3
    grouped = frame.groupby("region")["aqi"]
    ahead = {k: grouped.shift(-k).fillna(-1) for k in range(horizon)}

    def run(threshold: int) -> pd.Series:
        length = pd.Series(0, index=frame.index)
        alive = pd.Series(True, index=frame.index)
        for k in range(horizon):
            alive &= ahead[k] > threshold
            length += alive.astype(int)
        return length

    run200, run150 = run(200), run(150)
    over300 = pd.Series(False, index=frame.index)
    for k in range(horizon):
        over300 |= (ahead[k] > 300) & (run200 > k)
    level = np.select(
        [
            (run200 >= 3) & over300,
            (run200 >= 2) | (run150 >= 3),
            (run200 >= 1) | (run150 >= 2),
        ],
        [4, 3, 2],
        0,
    )
    frame["level_observed"] = np.where(frame["aqi"] >= 0, level, -1)
    frame["date"] = frame["date"].values.astype("datetime64[D]")
    return frame.rename(columns={"aqi": "aqi_observed"})


def pandas_verification(side: ForecastSide, obs: RegionalDaily) -> dict:
    observed = pandas_observed_levels(obs)
    pairs = pd.DataFrame(
        {
            "region": side.region.astype(str),
            "date": side.date,
            "lead_day": side.lead_day,
            "level": side.level,
            "aqi": side.aqi,
        }
    ).merge(observed, on=["region", "date"], how="left")
    pairs = pairs[(pairs["level_observed"] >= 0)]
    out: dict = {"by_level": {}, "by_lead_day": {}}
    for name in ("yellow", "orange", "red"):
        k = LEVELS.index(name)
        f, o = pairs["level"] >= k, pairs["level_observed"] >= k
        table = pd.DataFrame(
            {
                "lead_day": pairs["lead_day"],
                "hits": f & o,
                "misses": ~f & o,
                "false_alarms": f & ~o,
                "correct_negatives": ~f & ~o,
            }
        )
        out["by_level"][name] = table.drop(columns="lead_day").sum().to_dict()
        out["by_lead_day"][name] = table.groupby("lead_day").sum()
        # rolling 30/90 days of the counts, by date
        by_date = table.assign(date=pairs["date"]).drop(columns="lead_day").groupby("date").sum()
        for window in (30, 90):
            by_date.rolling(window, min_periods=1).sum()
    error = pairs["aqi"] - pairs["aqi_observed"]
    out["aqi"] = {"bias": error.mean(), "rmse": float(np.sqrt((error**2).mean()))}
    out["aqi_by_lead"] = error.groupby(pairs["lead_day"]).agg(["mean", "std"])
    return out


# ---------------------------------------------------------------- compliance data


def compliance_data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(SEED)
    hours = CHECK_DAYS * 24
    rated = rng.lognormal(np.log(300), 0.6, N_LINES)
    history = rated[:, None] * rng.normal(1.0, 0.05, (N_LINES, LOOKBACK * 24))
    kind = rng.choice(np.array([1, 2], np.int8), N_LINES)
    allowed = np.where(kind == 1, 0.0, 0.8)
    share = np.where(kind == 1, 0.05, 0.78)
    cheat = rng.random(N_LINES) < 0.02
    share = np.where(cheat, 0.7, share)
    use = rated[:, None] * share[:, None] * rng.normal(1.0, 0.05, (N_LINES, hours))
    return {"history": history, "use": use, "kind": kind, "allowed": allowed}


def ours_profile(data: dict) -> np.ndarray:
    return baseline_profile(data["history"], 0, np.zeros(LOOKBACK, bool), min_samples=2)


def ours_check(data: dict, profile: np.ndarray) -> np.ndarray:
    expected = expected_use(profile, 0, CHECK_DAYS)
    outcome = check_use(
        data["use"],
        expected,
        np.ones(CHECK_DAYS * 24, bool),
        data["kind"],
        data["allowed"],
        compliance_rules(),
    )
    return outcome.status


def pandas_check(data: dict, profile: np.ndarray) -> np.ndarray:
    rules = compliance_rules()
    expected = expected_use(profile, 0, CHECK_DAYS)
    hours = CHECK_DAYS * 24
    frame = pd.DataFrame(
        {
            "line": np.repeat(np.arange(N_LINES), hours),
            "use": data["use"].reshape(-1),
            "expected": expected.reshape(-1),
        }
    )
    totals = frame.groupby("line")[["use", "expected"]].sum()
    limit = np.where(data["kind"] == 1, rules.stop_share, data["allowed"] + rules.cap_margin)
    flagged = totals["use"].to_numpy() > limit * totals["expected"].to_numpy()
    return np.where(flagged, 1, 0).astype(np.int8)


def main() -> None:
    side, obs = verification_data()
    ours = ours_verification(side, obs)  # warm-up: compiles and loads the kernels
    peer = pandas_verification(side, obs)
    for name in ("yellow", "orange", "red"):
        mine = {k: ours["by_level"][name][k] for k in peer["by_level"][name]}
        assert mine == {k: int(v) for k, v in peer["by_level"][name].items()}, name
    print(
        f"verification: {len(side):,} pairs, {ours['pairs']:,} verified, "
        f"{ours['left_out']:,} left out; counts equal to the pandas version's"
    )
    data = compliance_data()
    profile = ours_profile(data)
    assert (ours_check(data, profile) == pandas_check(data, profile)).all()
    rows = [
        {
            "case": f"verify {N_CITIES} cities × {N_DAYS} d × {N_LEADS} leads",
            "ours": timeit(lambda: ours_verification(side, obs), repeat=3),
            "peer": timeit(lambda: pandas_verification(side, obs), repeat=1),
            "peer_name": "pandas",
        },
        {
            "case": f"compliance check {N_LINES // 1000}k lines × {CHECK_DAYS} d hourly",
            "ours": timeit(lambda: ours_check(data, profile), repeat=3),
            "peer": timeit(lambda: pandas_check(data, profile), repeat=1),
            "peer_name": "pandas",
            # use and baseline read once
            "floor": bandwidth_floor_seconds(2 * data["use"].nbytes, 0),
        },
        {
            "case": f"baseline profile {N_LINES // 1000}k lines × {LOOKBACK} d (apart)",
            "ours": timeit(lambda: ours_profile(data), repeat=1),
            "floor": bandwidth_floor_seconds(data["history"].nbytes, profile.nbytes),
        },
    ]
    print_table("Verification and compliance (best of repeats, compile time excluded)", rows)


if __name__ == "__main__":
    main()
