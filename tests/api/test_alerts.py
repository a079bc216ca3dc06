"""The alert centre's API on hand-made forecasts: rules, O3 regime, episodes, notices, ensembles."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from tests import handmade
from tests.api.keys import bearer

CODE = handmade.REGION_CODE


def client_for(tmp_path, pm25_days, o3_days=None, **settings):
    """A client whose requests carry an admin key (it issues decisions and enters notices)."""
    nc, geojson = handmade.write(tmp_path, handmade.forecast(pm25_days, o3_days))
    app = create_app(
        Settings(forecast=nc, regions=str(geojson), db=tmp_path / "d.sqlite", **settings)
    )
    client = TestClient(app)
    client.headers.update(bearer(client))
    return client


def level(client, day, **params):
    """Issue the level of ``day`` (POST, with an admin key), then read its response: the two
    agree."""
    if "authorization" not in client.headers:
        client.headers.update(bearer(client))
    issued = client.post("/v1/decisions", json={"region": CODE, "date": day, **params})
    assert issued.status_code == 201, issued.text
    response = client.get(f"/v1/regions/{CODE}/response", params={"date": day, **params})
    assert response.status_code == 200, response.text
    body = response.json()
    (decision,) = issued.json()
    assert (decision["level"], decision["episode"]) == (body["level"], body["episode"])
    return body


# HJ 633-2026: PM2.5 150 → AQI 200, 160 → 210, 115 → 150, 120 → 157, 250 → 300, 260 → 310.
@pytest.mark.parametrize(
    ("pm25", "rules", "expected"),
    [
        ([160, 100, 100, 100], "MEE-2024", "yellow"),  # > 200 for 24 h
        ([150, 150, 150, 100], "MEE-2024", "orange"),  # AQI 200 is not > 200; > 150 for 72 h
        ([120, 120, 100, 100], "MEE-2024", "yellow"),  # > 150 for exactly 48 h
        ([160, 160, 100, 100], "MEE-2024", "orange"),  # > 200 for exactly 48 h
        ([160, 160, 250, 100], "MEE-2024", "orange"),  # 72 h > 200 but AQI 300 is not > 300
        ([160, 160, 260, 100], "MEE-2024", "red"),  # and > 300 for 24 h
        ([160, 100, 100, 100], "MEE-2018", "none"),  # 2018: > 200 needs 48 h
        ([160, 160, 160, 100], "MEE-2018", "orange"),  # > 200 for 72 h
        ([260, 260, 160, 160, 100], "MEE-2018", "red"),  # 96 h > 200 and 48 h > 300
        ([260, 160, 160, 160, 100], "MEE-2018", "orange"),  # only 24 h > 300
    ],
)
def test_rule_boundaries_through_the_api(tmp_path, pm25, rules, expected):
    with client_for(tmp_path, pm25) as client:
        body = level(client, "2026-12-01", rules=rules)
    assert body["level"] == expected and body["rule_set"] == rules
    assert body["forecast_level"] == expected
    if expected != "none":
        assert body["regime"] == "pm25" and body["reasons"] and body["reasons_zh"]


def test_reason_names_rule_days_and_values(tmp_path):
    with client_for(tmp_path, [160, 200, 100, 100]) as client:
        body = level(client, "2026-12-01")
    assert body["reasons"][0] == (
        "PM2.5 daily AQI > 200 forecast for 48 h (12-01, 12-02; AQI 210, 250) → orange "
        "under MEE-2024"
    )
    assert body["reasons_zh"][0].startswith("PM2.5 日 AQI > 200 预计持续 48 小时（12-01、12-02")


def test_ozone_regime_gives_advice_not_a_level(tmp_path):
    with client_for(tmp_path, [30, 30, 30, 30], o3_days=[300, 300, 300, 60]) as client:
        body = level(client, "2026-12-01")
        legacy = level(client, "2026-12-01", rules="MEE-2018")
    assert (body["level"], body["regime"]) == ("none", "o3")
    assert body["advisories"] == ["o3_health_advice"]
    assert body["days"][0]["primary_pollutants"] == ["o3"] and body["days"][0]["aqi"] == 207
    assert (legacy["level"], legacy["regime"]) == ("orange", "o3")  # 2018: every pollutant counts


def test_rolling_mode_is_selectable(tmp_path):
    with client_for(tmp_path, [160, 160, 100, 100]) as client:
        body = level(client, "2026-12-01", mode="rolling")
    assert body["mode"] == "rolling" and body["level"] == "orange"
    # Windows starting 12-02 00:00 … 03:00 still average > 150 µg/m³ (≤ 3 clean hours of 24):
    # the run lasts from 12-01 00:00 to the end of the window starting 12-02 03:00.
    assert "24-h AQI > 200 forecast for 51 h (12-01 00:00 – 12-03 03:00" in body["reasons"][0]


def test_episode_across_consecutive_days_and_lifting_after_36_h(tmp_path):
    # Orange on 12-01 (two days > 200); then the air clears from 12-03.
    with client_for(tmp_path, [160, 160, 100, 160, 100, 100, 100, 100]) as client:
        first = level(client, "2026-12-01")
        second = level(client, "2026-12-02")  # forecast: yellow (one day > 200), then clean
        third = level(client, "2026-12-03")  # clean 24 h, then > 200 again: kept
        fourth = level(client, "2026-12-05")  # clean for 96 h: lifted
        episodes = client.get(f"/v1/regions/{CODE}/episodes").json()
    assert (first["level"], first["episode"]["status"]) == ("orange", "started")
    assert (second["forecast_level"], second["level"]) == ("yellow", "orange")
    assert second["episode"] == {"id": f"{CODE}:2026-12-01", "status": "kept"}
    assert (third["forecast_level"], third["level"], third["episode"]["status"]) == (
        "none",
        "orange",
        "kept",
    )
    assert (fourth["level"], fourth["episode"]["status"]) == ("none", "lifted")
    assert "below the yellow start condition for 96 h" in " ".join(fourth["reasons"])
    (episode,) = episodes
    assert episode["id"] == f"{CODE}:2026-12-01" and episode["max_level"] == "orange"
    assert (episode["start"], episode["end"], episode["active"]) == (
        "2026-12-01",
        "2026-12-05",
        False,
    )
    assert [h["level"] for h in episode["history"]] == ["orange", "orange", "orange", "none"]


def test_upgrade_within_an_episode_applies_at_once(tmp_path):
    with client_for(tmp_path, [160, 100, 160, 160, 260, 100]) as client:
        assert level(client, "2026-12-01")["level"] == "yellow"
        upgraded = level(client, "2026-12-03")
    assert (upgraded["level"], upgraded["episode"]["status"]) == ("red", "upgraded")


def test_replays_under_another_rule_set_do_not_disturb_episodes(tmp_path):
    with client_for(tmp_path, [160, 160, 100, 100, 100]) as client:
        assert level(client, "2026-12-01", rules="MEE-2018")["level"] == "yellow"
        body = level(client, "2026-12-02")
    # The MEE-2018 replay of 12-01 is not the MEE-2024 episode: a new one starts on 12-02.
    assert body["level"] == "yellow"
    assert body["episode"] == {"id": f"{CODE}:2026-12-02", "status": "started"}


def test_regional_notice_raises_member_cities(tmp_path):
    with client_for(tmp_path, [100, 100, 100]) as client:
        created = client.post(
            "/v1/regional-notices",
            json={
                "key_region": "jjj",
                "level": "orange",
                "start": "2026-12-01",
                "end": "2026-12-02",
                "reason": "京津冀及周边区域预警提示 (test)",
            },
        )
        assert created.status_code == 201 and created.json()["id"] >= 1
        body = level(client, "2026-12-01")
        listed = client.get("/v1/regional-notices", params={"date": "2026-12-02"}).json()
        unknown = client.post(
            "/v1/regional-notices",
            json={"key_region": "atlantis", "level": "red", "start": "2026-12-01",
                  "end": "2026-12-01", "reason": "x"},
        )  # fmt: skip
        reversed_dates = client.post(
            "/v1/regional-notices",
            json={"key_region": "jjj", "level": "red", "start": "2026-12-02",
                  "end": "2026-12-01", "reason": "x"},
        )  # fmt: skip
    assert (body["forecast_level"], body["level"]) == ("none", "orange")
    assert any("京津冀及周边" in r for r in body["reasons"])
    assert [n["key_region"] for n in listed] == ["jjj"]
    assert (
        unknown.status_code == 422 and "unknown key region 'atlantis'" in unknown.json()["detail"]
    )
    assert reversed_dates.status_code == 422


@pytest.mark.parametrize(("share", "expected"), [(0.5, "orange"), (0.75, "none"), (None, "none")])
def test_computed_linkage_when_configured(tmp_path, share, expected):
    # West city orange by its own forecast, east city clean: 1 of 2 member cities at orange.
    dataset = handmade.forecast([160, 160, 100], east_pm25_days=[60, 60, 60])
    nc, geojson = handmade.write(tmp_path, dataset, split=True)
    settings = Settings(
        forecast=nc, regions=str(geojson), db=tmp_path / "d.sqlite", linkage_share=share
    )
    with TestClient(create_app(settings)) as client:
        east = client.get(
            f"/v1/regions/{handmade.EAST_CODE}/response", params={"date": "2026-12-01"}
        ).json()
    assert (east["forecast_level"], east["level"]) == ("none", expected)
    linked = any("computed regional linkage" in r for r in east["reasons"])
    assert linked == (expected != "none")


def test_all_regions_summary_and_bad_mode(tmp_path):
    with client_for(tmp_path, [160, 160, 100]) as client:
        body = client.get("/v1/response", params={"date": "2026-12-01"}).json()
        bad = client.get("/v1/response", params={"date": "2026-12-01", "mode": "weekly"})
    assert body["summary"] == {"none": 0, "pre_alert": 0, "yellow": 0, "orange": 1, "red": 0}
    assert bad.status_code == 422


def test_pre_alert_tier_when_enabled(tmp_path):
    with client_for(tmp_path, [120, 100, 100], pre_alert=True) as client:
        assert level(client, "2026-12-01")["level"] == "pre_alert"


def ensemble_files(tmp_path):
    members = [
        [160, 160, 100, 100],  # orange
        [160, 160, 100, 100],  # orange
        [100, 100, 100, 100],  # none
        [160, 160, 260, 100],  # red
    ]
    return handmade.write(tmp_path, handmade.forecast(members))


def test_ensemble_probabilities_and_level(tmp_path):
    nc, geojson = ensemble_files(tmp_path)
    app = create_app(Settings(forecast=nc, regions=str(geojson), db=tmp_path / "d.sqlite"))
    with TestClient(app) as client:
        body = level(client, "2026-12-01")
    assert body["probabilities"] == {"yellow": 0.75, "orange": 0.75, "red": 0.25}
    assert body["level"] == "orange"
    assert body["reasons"][0].startswith("ensemble of 4 members: 75% at or above orange")
    # Days are the ensemble median: PM2.5 160 on 12-01.
    assert body["days"][0]["pm25_24h"] == 160.0


def test_cli_levels_with_ensemble_rules_and_mode(tmp_path):
    nc, geojson = ensemble_files(tmp_path)
    run = subprocess.run(
        [
            sys.executable, "-m", "api.cli", "levels", "--forecast", str(nc),
            "--regions", str(geojson), "--date", "2026-12-01", "--rules", "MEE-2018",
            "--mode", "rolling", "--ensemble-threshold", "0.25",
        ],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    (body,) = json.loads(run.stdout)
    assert (body["rule_set"], body["mode"]) == ("MEE-2018", "rolling")
    # 2018 ladder, rolling: > 200 lasts 51 h, 51 h, 0 h and 75 h → yellow, yellow, none, orange.
    assert body["probabilities"] == {"yellow": 0.75, "orange": 0.25, "red": 0.0}
    assert body["level"] == "orange"


OVERRIDE = f"""
[[override]]
region = "{CODE}"
rule_set = "MEE-2024"
level = "orange"
clauses = [[{{ aqi_above = 200, hours = 24 }}]]
source = "stricter city plan (test)"
"""


def test_regional_override_file_makes_a_city_stricter(tmp_path):
    overrides = tmp_path / "overrides.toml"
    overrides.write_text(OVERRIDE, "utf-8")
    with client_for(tmp_path, [160, 100, 100], rule_overrides=overrides) as client:
        assert level(client, "2026-12-01")["level"] == "orange"  # national: yellow
        assert level(client, "2026-12-01", rules="MEE-2018")["level"] == "none"  # not overridden


def test_bad_override_file_fails_at_start_with_its_name(tmp_path):
    overrides = tmp_path / "overrides.toml"
    overrides.write_text(OVERRIDE.replace('level = "orange"', 'level = "purple"'), "utf-8")
    nc, geojson = handmade.write(tmp_path, handmade.forecast([160, 100]))
    settings = Settings(
        forecast=nc, regions=str(geojson), db=tmp_path / "d.sqlite", rule_overrides=overrides
    )
    from engine.errors import PolicyError

    with pytest.raises(PolicyError, match=r"overrides.toml: override #1: MEE-2024 has no level"):
        create_app(settings)


def test_regions_off_the_grid_are_marked_degraded(tmp_path):
    nc, geojson = handmade.write(tmp_path, handmade.forecast([160, 160, 100]))
    regions = json.loads(geojson.read_text("utf-8"))
    half = handmade._feature("130600", "保定市", 114.5, 115.5)  # half on the grid
    away = handmade._feature("140100", "太原市", 112.0, 113.0)  # wholly off the grid
    regions["features"] += [half, away]
    geojson.write_text(json.dumps(regions), "utf-8")
    app = create_app(Settings(forecast=nc, regions=str(geojson), db=tmp_path / "d.sqlite"))
    with TestClient(app) as client:
        body = client.get("/v1/response", params={"date": "2026-12-01"}).json()
    by_code = {r["region"]["code"]: r for r in body["responses"]}
    assert (by_code[CODE]["degraded"], by_code[CODE]["valid_fraction"]) == (False, 1.0)
    assert by_code["130600"]["degraded"] and by_code["130600"]["valid_fraction"] == 0.5
    assert by_code["130600"]["level"] == "orange"  # its covered half is in the episode
    assert (
        "only 50% of the region's area has valid forecast values"
        in by_code["130600"]["reasons"][-1]
    )
    assert by_code["140100"]["degraded"] and by_code["140100"]["days"] == []
    assert by_code["140100"]["level"] == "none" and by_code["140100"]["valid_fraction"] == 0.0


@pytest.mark.parametrize(
    ("pm25", "rules", "expected"),
    [
        ([160, 160, 100, 100], "MEE-2024", "orange"),  # > 200 for exactly 48 h
        ([160, 160, 260, 100], "MEE-2024", "red"),  # 72 h > 200 and 24 h > 300
        ([160, 160, 160, 100], "MEE-2018", "orange"),  # > 200 for exactly 72 h
    ],
)
def test_rule_boundaries_through_the_cli(tmp_path, pm25, rules, expected):
    nc, geojson = handmade.write(tmp_path, handmade.forecast(pm25))
    run = subprocess.run(
        [
            sys.executable, "-m", "api.cli", "levels", "--forecast", str(nc),
            "--regions", str(geojson), "--date", "2026-12-01", "--rules", rules,
        ],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    (body,) = json.loads(run.stdout)
    assert (body["level"], body["rule_set"]) == (expected, rules)
    assert body["reasons"][0].startswith("PM2.5 daily AQI > 200 forecast for")


def test_episodes_errors(tmp_path):
    with client_for(tmp_path, [160, 100]) as client:
        unknown_rules = client.get(f"/v1/regions/{CODE}/episodes", params={"rules": "NOPE"})
        unknown_region = client.get("/v1/regions/999999/episodes")
        none_yet = client.get(f"/v1/regions/{CODE}/episodes")
    assert unknown_rules.status_code == 422 and "unknown rule set 'NOPE'" in unknown_rules.text
    assert unknown_region.status_code == 404
    assert none_yet.status_code == 200 and none_yet.json() == []


def test_no2_episode_is_mandatory_in_ensembles_and_single_runs(tmp_path):
    """NO2 days count toward the level under MEE-2024 (docs/rules.md §2.2), in every path."""
    members = [[20, 20, 20, 20]] * 4
    single = handmade.write(tmp_path / "one", handmade.forecast(members[0], no2_days=[420] * 4))
    ensemble = handmade.write(tmp_path / "ens", handmade.forecast(members, no2_days=[420] * 4))
    for nc, geojson in (single, ensemble):
        settings = Settings(forecast=nc, regions=str(geojson), db=nc.parent / "d.sqlite")
        with TestClient(create_app(settings)) as client:
            body = level(client, "2026-12-01")
        assert body["days"][0]["primary_pollutants"] == ["no2"]
        assert body["days"][0]["aqi"] == 250
        assert (body["level"], body["regime"], body["advisories"]) == ("orange", "pm25", [])
        assert not any("O3" in r for r in body["reasons"])


def test_a_value_above_the_top_breakpoint_is_flagged_in_the_reasons(tmp_path):
    """PM2.5 600 µg/m³ is above HJ 633's top breakpoint (500): IAQI 500, said in the reasons."""
    with client_for(tmp_path, [600, 100, 100]) as client:
        body = level(client, "2026-12-01")
    assert body["days"][0]["aqi"] == 500
    assert any("12-01" in r and "above the top breakpoint" in r for r in body["reasons"])
    assert any("最高浓度限值" in r for r in body["reasons_zh"])
    assert not any("above the top breakpoint" in r for r in level_reasons(tmp_path))


def level_reasons(tmp_path):
    with client_for(tmp_path / "ok", [300, 100, 100]) as client:
        return level(client, "2026-12-01")["reasons"]
