"""The response cache keeps what a write cannot change: a decision of date D changes only the
responses of later dates under its rule set and mode; a notice changes all."""

from __future__ import annotations

import datetime as dt

from engine.levels import rule_set_for
from tests.api.keys import bearer
from tests.api.test_access import make_client
from tests.conftest import DEMO_DATE


def test_a_decision_keeps_the_cached_responses_it_cannot_change(demo_dir, tmp_path):
    days = [DEMO_DATE + dt.timedelta(days=k) for k in range(4)]
    with make_client(demo_dir, tmp_path / "d.sqlite") as client:
        service = client.app.state.service
        before = {d: client.get("/v1/response", params={"date": str(d)}).content for d in days}
        assert all(service.cached_json(None, d) is not None for d in days)
        officer = bearer(client, "officer")
        body = {"region": "130100", "date": str(days[1]), "level": "red", "reason": "测试"}
        assert client.post("/v1/decisions", json=body, headers=officer).status_code == 201
        # days[0] and days[1] rest on decisions before them only: still served from the cache
        assert service.cached_json(None, days[0]) == before[days[0]]
        assert service.cached_json(None, days[1]) == before[days[1]]
        # later days rest on the new decision (the red episode goes on): computed again
        assert service.cached_json(None, days[2]) is None
        later = client.get("/v1/regions/130100/response", params={"date": str(days[2])}).json()
        assert later["episode"] is not None and later["episode"]["id"] == f"130100:{days[1]}"
        other_mode = "rolling" if service.settings.mode == "natural" else "natural"
        key = (days[3], rule_set_for(days[3]).id, other_mode)
        assert service._current(service._cache[key], days[3], rule_set_for(days[3]), other_mode)
        notice = {"key_region": "jjj", "level": "orange", "start": str(days[0]),
                  "end": str(days[0]), "reason": "提示"}  # fmt: skip
        coordinator = bearer(client, "coordinator", "jjj")
        assert (
            client.post("/v1/regional-notices", json=notice, headers=coordinator).status_code == 201
        )
        assert service.cached_json(None, days[0]) is None  # a notice may change any response
