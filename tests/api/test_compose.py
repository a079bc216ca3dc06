"""The service's fast path (cached forecast part + episode state) equals engine.respond."""

from __future__ import annotations

import datetime as dt

from api.preparation import key_region_members
from api.service import Service
from api.settings import Settings
from engine.episodes import PriorDecision
from engine.levels import rule_set_for
from engine.linkage import Notice
from engine.response import RegionRef, respond
from tests.conftest import DEMO_DATE


def test_compose_equals_respond_for_every_region(demo_dir, tmp_path):
    settings = Settings(
        forecast=demo_dir / "forecast.nc", regions=str(demo_dir / "regions.geojson"),
        db=tmp_path / "d.sqlite", linkage_share=0.5,
    )  # fmt: skip
    service = Service.load(settings, warm=False)
    day = DEMO_DATE + dt.timedelta(days=2)
    rules = rule_set_for(day)
    refs = [RegionRef(r.code, r.name, r.parent) for r in service.regions]
    prior = {
        "130100": (PriorDecision(day - dt.timedelta(days=1), "red", "130100:x"), None),
        "140100": (
            PriorDecision(day - dt.timedelta(days=1), "none", None),
            PriorDecision(day - dt.timedelta(days=2), "orange", "140100:y"),
        ),
    }
    notices = [Notice("jjj", "orange", day, day, "test", id=7)]
    for mode in ("natural", "rolling"):
        ours = service._respond(refs, day, rules, mode, prior, notices)
        engine = respond(
            service.daily, refs, day, service.forecast.identity(), rules, mode=mode,
            ensemble_threshold=settings.ensemble_threshold, prior=prior, notices=notices,
            key_regions=key_region_members(day), linkage_share=0.5,
            linkage_regions=service.regions.codes,
            min_valid_fraction=settings.min_valid_fraction,
        )  # fmt: skip
        assert ours == engine
