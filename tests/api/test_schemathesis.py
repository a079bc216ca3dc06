"""The OpenAPI document is the truth: schemathesis against the app, bounded (issue 13 §9)."""

from __future__ import annotations

import os

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from api.app import create_app
from api.auth import create_key
from api.settings import Settings

# The document is built from the routes alone: no forecast is read to collect the tests.
# A value the schema allows may still be refused with 422 when its meaning is not expressible in
# JSON Schema: a date outside the served forecast or before any rule set, a region code not in
# the served set (both change with the data served). Every other check keeps its defaults.
# A body over 64 KB is refused with 413 whatever it holds (documented on every route).
ACCEPTED = ["2xx", "401", "403", "404", "409", "422", "429"]
REJECTED = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429"]
CONFIG = schemathesis.Config.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {"expected-statuses": ACCEPTED},
            "negative_data_rejection": {"expected-statuses": REJECTED},
        }
    }
)
# Bounded: a few examples per operation and phase, the same ones every run (derandomised);
# LANTIAN_SCHEMATHESIS_EXAMPLES=50 explores further with random seeds (hypothesis prints the
# seed of a failure).
EXAMPLES = int(os.environ.get("LANTIAN_SCHEMATHESIS_EXAMPLES", "5"))
schema = schemathesis.openapi.from_dict(
    create_app(Settings(), service=object()).openapi(),
    config=CONFIG,  # type: ignore[arg-type]
)


@pytest.fixture(scope="module")
def served(demo_dir, tmp_path_factory):
    db = tmp_path_factory.mktemp("schemathesis") / "d.sqlite"
    app = create_app(
        Settings(
            forecast=demo_dir / "forecast.nc", regions=str(demo_dir / "regions.geojson"), db=db,
            registry=demo_dir / "registry.sqlite", observations=demo_dir / "observations.sqlite",
            rate_limit=0,
        )
    )  # fmt: skip
    _, KEY["admin"] = create_key(app.state.service.store, "admin", None, "schemathesis")
    with TestClient(app):
        yield app


KEY: dict[str, str] = {}


@schema.auth(refresh_interval=None)  # read when each case is sent (the key is made later)
class AdminKey:
    """An admin's key on every request (writes are exercised), except where a negative case
    leaves the key out on purpose (then 401 is expected)."""

    def get(self, case, context):
        return KEY.get("admin")

    def set(self, case, data, context):
        if data:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schema.parametrize()
@settings(
    max_examples=EXAMPLES, derandomize=EXAMPLES == 5, deadline=None,
    suppress_health_check=list(HealthCheck),
)  # fmt: skip
def test_api_keeps_its_openapi(case, served):
    app = served
    # The schema was read before the app existed: its calls and its checks' own calls
    # (without the key, to see it enforced) go to the app from here on.
    case.operation.app = case.operation.schema.app = app
    case.call_and_validate()


def test_fixes_found_by_schemathesis(served):
    """What the run found, asserted directly: 405 names every method of the path, a
    verification period is bounded, the write routes document their key."""
    client = TestClient(served)
    refused = client.put("/v1/decisions")
    assert refused.status_code == 405
    assert {"GET", "POST"} <= set(refused.headers["Allow"].split(", "))
    years = client.get("/v1/verification", params={"from": "2000-01-01", "to": "2026-01-01"})
    assert years.status_code == 422 and "366" in years.json()["detail"]
    for params in ({"date": "0"}, {"date": "2026-12-02", "level": "purple"}):
        assert client.get("/v1/regions/130100/plan", params=params).status_code == 422
    assert client.get("/v1/regions/..%2F..%2Fetc/plan").status_code in (404, 422)
    assert client.get("/v1/regions/1301%2000/plan").status_code == 422
    first = client.get("/v1/regions/130100/plan", params={"date": "2026-12-02", "level": "red"})
    again = client.get("/v1/regions/130100/plan", params={"date": "2026-12-02", "level": "red"})
    assert first.status_code == 200 and first.content == again.content
    assert "after_proposals" not in first.json() or first.json()["after_proposals"] is not None
    spec = client.get("/openapi.json").json()
    assert spec["paths"]["/v1/decisions"]["post"]["security"] == [{"apiKey": []}]
    assert "security" not in spec["paths"]["/v1/regions/{code}/response"]["get"]
