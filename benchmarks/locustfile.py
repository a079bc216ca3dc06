"""Locust load test of a running Lantian service: the three user mixes of ``load.py``.

For users who test from other machines (``load.py`` runs both servers on one machine, on the
loopback). Users:

* ``DutyOfficer``: polls responses of regions and dates (nine of ten requests) and plans;
* ``IssuingOfficer``: issues decisions, ``LANTIAN_BATCH`` regions of one date per
  ``POST /v1/decisions`` (needs an officer's key);
* ``Dashboard``: the all-region call ``GET /v1/response``.

Environment:

* ``LANTIAN_KEY``: an officer's API key (``lantian keys create --db D --role officer``);
  without it the issuing officers are left out;
* ``LANTIAN_DATE``: first CST day served (``YYYY-MM-DD``; default: the forecast's first date,
  read from ``/v1/health``);
* ``LANTIAN_BATCH``: decisions per POST (default 8).

Run (``pip install 'lantian[bench]'`` for locust), against a service started with
``lantian serve --host 0.0.0.0 --rate-limit 0`` (or a rate limit above the load)::

    LANTIAN_KEY=lt_... locust -f benchmarks/locustfile.py --host http://SERVER:8000 \\
        --headless --users 64 --spawn-rate 16 --run-time 60s

or without ``--headless`` for the web UI at http://localhost:8089. Issuing writes real
decisions into the server's store: use a test store.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import urllib.request

from locust import HttpUser, between, events, task

CODES = [
    "110100", "120100", "130100", "130200", "131000", "130600", "130900", "131100",
    "130500", "130400", "140100", "140300", "370100", "410100",
]  # fmt: skip
KEY = os.environ.get("LANTIAN_KEY")
BATCH = int(os.environ.get("LANTIAN_BATCH", "8"))
_first: dict[str, dt.date] = {}


@events.test_start.add_listener
def _first_date(environment, **_) -> None:
    """The first date served: LANTIAN_DATE, else the forecast's from /v1/health."""
    if "LANTIAN_DATE" in os.environ:
        _first["date"] = dt.date.fromisoformat(os.environ["LANTIAN_DATE"])
        return
    with urllib.request.urlopen(f"{environment.host}/v1/health", timeout=30) as answer:
        _first["date"] = dt.date.fromisoformat(json.load(answer)["first_date"])


def _day(i: int) -> str:
    return (_first.get("date", dt.date.today()) + dt.timedelta(days=1 + i % 5)).isoformat()


class DutyOfficer(HttpUser):
    """Polls regions' responses and now and then a plan."""

    weight = 6
    wait_time = between(0.0, 0.2)

    def on_start(self) -> None:
        self.turn = itertools.count()

    @task(9)
    def response(self) -> None:
        i = next(self.turn)
        code = CODES[i % len(CODES)]
        self.client.get(
            f"/v1/regions/{code}/response?date={_day(i)}", name="/v1/regions/{code}/response"
        )

    @task(1)
    def plan(self) -> None:
        i = next(self.turn)
        code = CODES[i % len(CODES)]
        self.client.get(
            f"/v1/regions/{code}/plan?date={_day(i)}&level=orange", name="/v1/regions/{code}/plan"
        )


class IssuingOfficer(HttpUser):
    """Issues the levels of several regions for one date per request."""

    weight = 2 if KEY else 0
    wait_time = between(0.0, 0.5)

    def on_start(self) -> None:
        self.turn = itertools.count()

    @task
    def issue(self) -> None:
        i = next(self.turn)
        body = [{"region": CODES[(i + k) % len(CODES)], "date": _day(i)} for k in range(BATCH)]
        with self.client.post(
            "/v1/decisions", json=body, headers={"Authorization": f"Bearer {KEY}"},
            catch_response=True,
        ) as answer:  # fmt: skip
            if answer.status_code == 201 and len(answer.json()) != BATCH:
                answer.failure(f"{len(answer.json())} decisions recorded of {BATCH}")


class Dashboard(HttpUser):
    """The dashboard's all-region call."""

    weight = 2
    wait_time = between(0.0, 0.5)

    def on_start(self) -> None:
        self.turn = itertools.count()

    @task
    def all_regions(self) -> None:
        self.client.get(f"/v1/response?date={_day(next(self.turn))}", name="/v1/response")
