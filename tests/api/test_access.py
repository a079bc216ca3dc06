"""Issuing on purpose, keys, scopes, audit, withdrawal, limits and error bodies (issue 13)."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import digest
from api.settings import Settings
from tests.api.keys import bearer
from tests.conftest import DEMO_DATE

DAY = DEMO_DATE.isoformat()
NEXT = (DEMO_DATE + dt.timedelta(days=1)).isoformat()


def make_client(demo_dir, db, **settings):
    settings = Settings(
        forecast=demo_dir / "forecast.nc", regions=str(demo_dir / "regions.geojson"), db=db,
        **{"rate_limit": 0, **settings},
    )  # fmt: skip
    return TestClient(create_app(settings))


@pytest.fixture(scope="module")
def client(demo_dir, tmp_path_factory):
    with make_client(demo_dir, tmp_path_factory.mktemp("access") / "d.sqlite") as client:
        yield client


def test_anonymous_write_is_401_and_out_of_scope_is_403(client):
    anonymous = client.post("/v1/decisions", json={"region": "120100", "date": DAY})
    assert anonymous.status_code == 401 and "API key" in anonymous.json()["detail"]
    bad_key = client.post(
        "/v1/decisions", json={"region": "120100", "date": DAY},
        headers={"Authorization": "Bearer lt_not-a-key"},
    )  # fmt: skip
    assert bad_key.status_code == 401
    shijiazhuang = bearer(client, "officer", "130100")
    refused = client.post(
        "/v1/decisions", json={"region": "120100", "date": DAY}, headers=shijiazhuang
    )
    assert refused.status_code == 403 and "120100" in refused.json()["detail"]
    reader = client.post(
        "/v1/decisions", json={"region": "120100", "date": DAY}, headers=bearer(client, "reader")
    )
    assert reader.status_code == 403 and "officer" in reader.json()["detail"]


def test_a_province_scope_covers_its_cities(client):
    hebei = bearer(client, "officer", "130000", "hebei")
    issued = client.post(
        "/v1/decisions",
        json=[{"region": "130100", "date": DAY}, {"region": "131000", "date": DAY}],
        headers=hebei,
    )  # fmt: skip
    assert issued.status_code == 201, issued.text
    assert [d["region"] for d in issued.json()] == ["130100", "131000"]
    assert (
        client.post(
            "/v1/decisions", json={"region": "110100", "date": DAY}, headers=hebei
        ).status_code
        == 403
    )


def test_keys_are_stored_as_digests(client):
    headers = bearer(client, "reader")
    key = headers["Authorization"].split()[1]
    assert len(key) >= 43  # 32 bytes, URL-safe base64
    path = client.app.state.service.store.path
    with sqlite3.connect(path) as db:
        stored = [row[0] for row in db.execute("SELECT hash FROM api_keys")]
    assert digest(key) in stored and key not in stored


def test_issue_audit_withdraw_and_episodes(client):
    officer = bearer(client, "officer", "130000", "王科长")
    body = {"region": "130200", "date": NEXT}
    issued = client.post("/v1/decisions", json=body, headers=officer)
    assert issued.status_code == 201, issued.text
    (decision,) = issued.json()
    assert decision["level"] == decision["forecast_level"] != "none"
    assert decision["issued_by"].startswith("王科长") and decision["override"] is None
    assert decision["inputs"]["forecast"].startswith("LANTIAN-SYNTH@")
    episodes = client.get("/v1/regions/130200/episodes").json()
    assert [e["id"] for e in episodes] == [decision["episode"]["id"]]

    admin = bearer(client, "admin", name="root")
    entries = client.get("/v1/audit", headers=admin).json()
    entry = next(e for e in entries if e["target"] == f"decisions {decision['id']}")
    assert entry["who"].startswith("王科长") and entry["outcome"] == 201
    assert entry["action"] == "POST /v1/decisions" and entry["address"]
    assert client.get("/v1/audit", headers=officer).status_code == 403
    assert client.get("/v1/audit").status_code == 401

    no_reason = client.post(f"/v1/decisions/{decision['id']}/withdraw", json={}, headers=officer)
    assert no_reason.status_code == 422
    withdrawn = client.post(
        f"/v1/decisions/{decision['id']}/withdraw", json={"reason": "forecast revised"},
        headers=officer,
    )  # fmt: skip
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["withdrawn"]["reason"] == "forecast revised"
    assert client.get("/v1/regions/130200/episodes").json() == []
    again = client.post(
        f"/v1/decisions/{decision['id']}/withdraw", json={"reason": "x"}, headers=officer
    )
    assert again.status_code == 409


def test_override_needs_a_reason_and_is_recorded(client):
    officer = bearer(client, "officer", "140000")
    missing = client.post(
        "/v1/decisions", json={"region": "140100", "date": DAY, "level": "red"}, headers=officer
    )
    assert missing.status_code == 422 and "reason" in missing.json()["detail"]
    body = {"region": "140100", "date": DAY, "level": "orange", "reason": "市政府决定提前启动"}
    (decision,) = client.post("/v1/decisions", json=body, headers=officer).json()
    assert decision["level"] == "orange" and decision["override"]["level"] == "orange"
    assert decision["override"]["reason"] == "市政府决定提前启动"
    assert decision["episode"]["status"] in {"started", "upgraded", "kept"}


def test_idempotency_key_replays_instead_of_issuing_again(client):
    officer = bearer(client, "officer", "130000")
    headers = {**officer, "Idempotency-Key": "shift-42"}
    body = {"region": "130400", "date": DAY}
    first = client.post("/v1/decisions", json=body, headers=headers)
    second = client.post("/v1/decisions", json=body, headers=headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    assert len(client.get("/v1/decisions", params={"region": "130400"}).json()) == 1
    other = client.post("/v1/decisions", json={**body, "date": NEXT}, headers=headers)
    assert other.status_code == 409


def test_notices_need_a_coordinator_of_their_key_region_and_can_be_withdrawn(client):
    notice = {"key_region": "jjj", "level": "red", "start": DAY, "end": NEXT, "reason": "提示"}
    assert client.post("/v1/regional-notices", json=notice).status_code == 401
    other = bearer(client, "coordinator", "yrd")
    assert client.post("/v1/regional-notices", json=notice, headers=other).status_code == 403
    jjj = bearer(client, "coordinator", "jjj")
    created = client.post("/v1/regional-notices", json=notice, headers=jjj)
    assert created.status_code == 201
    notice_id = created.json()["id"]
    raised = client.get("/v1/regions/410100/response", params={"date": NEXT}).json()
    assert raised["level"] == "red"
    withdrawn = client.post(
        f"/v1/regional-notices/{notice_id}/withdraw", json={"reason": "解除"}, headers=jjj
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["withdrawn"]["reason"] == "解除"
    assert notice_id not in [n["id"] for n in client.get("/v1/regional-notices").json()]
    after = client.get("/v1/regions/410100/response", params={"date": NEXT}).json()
    assert after["level"] == after["forecast_level"]  # no decision for 郑州: the forecast's


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"region": "../../etc/passwd", "date": DAY}, "region"),
        ({"region": "999999", "date": DAY}, "unknown region code '999999'"),
        ({"region": "130100", "date": 0}, "YYYY-MM-DD"),
        ({"region": "130100", "date": DAY, "level": "red", "reason": "x" * 2001}, "2000"),
        ({"region": "130100", "date": DAY, "level": "red", "reason": "a\u202eb"}, "U+202E"),
        ({"region": "130100", "date": DAY, "level": "red", "reason": "a\x00b"}, "U+0000"),
        ([{"region": "130100", "date": DAY}, {"region": "130100", "date": "2027-02-01"}], "31"),
    ],
)
def test_bad_bodies_are_422_with_one_sentence(client, body, fragment):
    officer = bearer(client, "officer")
    response = client.post("/v1/decisions", json=body, headers=officer)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, str) and fragment in detail and "\n" not in detail


def test_nan_body_date_zero_and_big_bodies(client):
    officer = bearer(client, "officer")
    nan = client.post(
        "/v1/decisions", content=b'{"region": "130100", "date": NaN}',
        headers={**officer, "Content-Type": "application/json"},
    )  # fmt: skip
    assert nan.status_code == 422 and isinstance(nan.json()["errors"], list)
    assert client.get("/v1/response", params={"date": "0"}).status_code == 422
    big = client.post(
        "/v1/decisions", content=b"x" * 1_000_000,
        headers={**officer, "Content-Type": "application/json"},
    )  # fmt: skip
    assert big.status_code == 413 and "64 KB" in big.json()["detail"]


def test_errors_never_show_server_paths(client):
    body = client.get("/v1/regions/130100/plan", params={"date": DAY}).json()
    assert "/" not in body["detail"].replace("GET /", "")  # the registry is absent: 404
    missing = client.get("/v1/regions/999999/response").json()
    assert set(missing) == {"detail", "error"} and "999999" in missing["detail"]


def test_rate_limit_answers_429_with_retry_after(demo_dir, tmp_path):
    with make_client(demo_dir, tmp_path / "d.sqlite", rate_limit=1, rate_burst=2) as client:
        reader = bearer(client, "reader")
        statuses = [client.get("/v1/regions", headers=reader) for _ in range(4)]
    assert [s.status_code for s in statuses[:2]] == [200, 200]
    limited = statuses[-1]
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1


def test_reads_can_require_a_key(demo_dir, tmp_path):
    with make_client(demo_dir, tmp_path / "d.sqlite", reads_need_key=True) as client:
        assert client.get("/v1/regions").status_code == 401
        assert client.get("/v1/regions", headers=bearer(client, "reader")).status_code == 200


def test_a_broken_store_gives_503_and_degraded_health(demo_dir, tmp_path):
    with make_client(demo_dir, tmp_path / "d.sqlite") as client:
        officer = bearer(client, "officer")
        (tmp_path / "d.sqlite").unlink()
        health = client.get("/v1/health")
        issued = client.post(
            "/v1/decisions", json={"region": "130100", "date": DAY}, headers=officer
        )
    assert health.status_code == 503 and health.json()["status"] == "degraded"
    assert "missing" in health.json()["stores"]["decisions"]
    assert issued.status_code in (401, 503)  # the key lookup itself needs the store
    assert str(tmp_path) not in issued.text and "detail" in issued.json()
