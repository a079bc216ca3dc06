"""Regional linkage: notices raise member cities (and their counties) to at least a level."""

from __future__ import annotations

import datetime as dt

from engine.linkage import KeyRegionMembers, Notice, computed_notices, linkage_floor

DAY = dt.date(2026, 12, 2)
JJJ = KeyRegionMembers("jjj", "京津冀及周边", frozenset({"110000", "130100", "130200", "130400"}))
KEY = {"jjj": JJJ}


def test_notice_raises_members_and_their_counties_only_while_in_force():
    notice = Notice("jjj", "orange", DAY, DAY + dt.timedelta(days=1), "区域预警提示 2026-12")
    level, en, zh = linkage_floor("130100", "130000", DAY, [notice], KEY)
    assert level == "orange" and "regional alert notice" in en[0] and "京津冀及周边" in zh[0]
    assert linkage_floor("130102", "130100", DAY, [notice], KEY)[0] == "orange"  # a county
    assert linkage_floor("140100", "140000", DAY, [notice], KEY)[0] == "none"  # not a member
    assert linkage_floor("130100", None, DAY + dt.timedelta(days=2), [notice], KEY)[0] == "none"


def test_strongest_notice_wins():
    notices = [
        Notice("jjj", "yellow", DAY, DAY, "a"),
        Notice("jjj", "red", DAY, DAY, "b"),
        Notice("jjj", "orange", DAY, DAY, "c"),
    ]
    assert linkage_floor("110000", None, DAY, notices, KEY)[0] == "red"


def test_computed_notice_needs_the_configured_share():
    levels = {"110000": "red", "130100": "orange", "130200": "none", "130400": "orange"}
    (notice,) = computed_notices(levels, [JJJ], DAY, share=0.5)
    assert notice.level == "orange" and notice.source == "computed"
    assert "3 of 4 member cities" in notice.reason
    assert computed_notices(levels, [JJJ], DAY, share=0.8) == []
    (all_red,) = computed_notices(levels, [JJJ], DAY, share=0.25)
    assert all_red.level == "red"
