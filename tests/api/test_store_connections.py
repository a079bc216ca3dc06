"""Kept connections, the audit in the decisions' transaction and the key cache (issue 13: fast
issuing without giving up a guarantee)."""

from __future__ import annotations

import sqlite3

import pytest

from api.auth import authenticate, create_key
from api.service import IssueItem
from api.store import DecisionStore, StoreError
from tests.api.keys import bearer
from tests.api.test_access import make_client
from tests.api.test_store import response
from tests.conftest import DEMO_DATE

DAY = DEMO_DATE.isoformat()


def _remove(path) -> None:
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def test_a_deleted_store_is_an_error_and_a_new_one_is_read(tmp_path):
    path = tmp_path / "d.sqlite"
    store = DecisionStore(path)
    store.record([response("110000", "2026-12-01")])
    assert len(store.list()) == 1 and store.generation() == 1  # the connection is kept
    _remove(path)
    for call in (store.list, store.generation, lambda: store.record([response("1", DAY)])):
        with pytest.raises(StoreError, match="d.sqlite is unavailable") as raised:
            call()
        assert str(tmp_path) not in str(raised.value)
    assert "missing" in store.check()
    DecisionStore(path)  # a new, empty store at the same path (another inode)
    assert store.list() == [] and store.generation() == 0  # not the deleted file's rows
    assert store.check() == "ok"


def test_a_connection_left_in_a_transaction_is_not_handed_on(tmp_path):
    store = DecisionStore(tmp_path / "d.sqlite")
    with store.writer() as w:  # a nested call inside a write transaction gets its own
        w.db.execute("UPDATE meta SET v = v + 1 WHERE k = 'generation'")
        assert store.generation() == 0  # another connection: the change is not committed yet
    assert store.generation() == 1
    with pytest.raises(RuntimeError), store.writer() as w:
        w.db.execute("UPDATE meta SET v = v + 1 WHERE k = 'generation'")
        raise RuntimeError("rolled back")
    assert store.generation() == 1


def test_an_issued_decision_and_its_audit_entry_commit_together(demo_dir, tmp_path):
    with make_client(demo_dir, tmp_path / "d.sqlite") as client:
        officer = bearer(client, "officer", name="值班员")
        issued = client.post(
            "/v1/decisions", json={"region": "130100", "date": DAY}, headers=officer
        )
        assert issued.status_code == 201, issued.text
        (decision,) = issued.json()
        service = client.app.state.service
        entries = service.store.audit_log()
        mine = [e for e in entries if e["target"] == f"decisions {decision['id']}"]
        assert len(mine) == 1 and mine[0]["outcome"] == 201  # once: not again by the middleware
        assert mine[0]["who"].startswith("值班员") and mine[0]["address"]

        def refused(ids, replayed):
            raise RuntimeError("the audit entry cannot be built")

        before = (len(service.store.list()), len(service.store.audit_log()))
        with pytest.raises(RuntimeError):
            service.issue(
                [IssueItem(region="130200", date=DEMO_DATE)], issued_by="x", audit=refused
            )
        assert (len(service.store.list()), len(service.store.audit_log())) == before

        headers = {**officer, "Idempotency-Key": "k-1"}
        body = {"region": "130400", "date": DAY}
        first = client.post("/v1/decisions", json=body, headers=headers)
        again = client.post("/v1/decisions", json=body, headers=headers)
        other = client.post("/v1/decisions", json={**body, "date": "2026-12-02"}, headers=headers)
        assert (first.status_code, again.status_code, other.status_code) == (201, 200, 409)
        outcomes = [e["outcome"] for e in service.store.audit_log(limit=3)]
        assert outcomes == [409, 200, 201]  # newest first; the conflict issued nothing
        assert len(service.store.list(region="130400")) == 1


def test_a_revoked_key_stops_at_once_though_it_was_kept(demo_dir, tmp_path):
    path = tmp_path / "d.sqlite"
    with make_client(demo_dir, path) as client:
        key_id, key = create_key(client.app.state.service.store, "officer", None, "夜班")
        headers = {"Authorization": f"Bearer {key}"}
        for day in (DAY, "2026-12-02"):
            posted = client.post("/v1/decisions", json={"region": "130100", "date": day},
                                 headers=headers)  # fmt: skip
            assert posted.status_code == 201, posted.text
        assert client.app.state.service.store.key_cache  # the key is kept
        other = DecisionStore(path)  # as `lantian keys revoke` in another process
        assert other.revoke_key(key_id)
        refused = client.post("/v1/decisions", json={"region": "130100", "date": DAY},
                              headers=headers)  # fmt: skip
        assert refused.status_code == 401
        _, new = create_key(other, "officer", None, "早班")  # a new key works at once too
        assert authenticate(client.app.state.service.store, new) is not None
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT v FROM meta WHERE k = 'keys'").fetchone()[0] == 3


def test_withdrawals_and_notices_commit_with_their_audit_entry(demo_dir, tmp_path):
    with make_client(demo_dir, tmp_path / "d.sqlite") as client:
        service = client.app.state.service
        officer = bearer(client, "officer", name="值班员")
        (decision,) = client.post(
            "/v1/decisions", json={"region": "130100", "date": DAY}, headers=officer
        ).json()
        url = f"/v1/decisions/{decision['id']}/withdraw"

        def refused(_):
            raise RuntimeError("the audit entry cannot be built")

        with pytest.raises(RuntimeError):  # no entry, no withdrawal: the two commit together
            service.withdraw(decision["id"], "x", "why", audit=refused)
        assert service.store.get(decision["id"])["withdrawn"] is None
        first = client.post(url, json={"reason": "预报修正"}, headers=officer)
        again = client.post(url, json={"reason": "预报修正"}, headers=officer)
        assert (first.status_code, again.status_code) == (200, 409)
        mine = [e for e in service.store.audit_log() if e["target"] == f"decision {decision['id']}"]
        assert [e["outcome"] for e in mine] == [409, 200]  # once each, newest first

        jjj = bearer(client, "coordinator", "jjj")
        notice = {"key_region": "jjj", "level": "red", "start": DAY, "end": DAY, "reason": "提示"}
        created = client.post("/v1/regional-notices", json=notice, headers=jjj)
        assert created.status_code == 201, created.text
        notice_id = created.json()["id"]
        gone = client.post(
            f"/v1/regional-notices/{notice_id}/withdraw", json={"reason": "解除"}, headers=jjj
        )
        assert gone.status_code == 200
        entries = [e for e in service.store.audit_log() if e["target"] == f"notice {notice_id}"]
        assert [e["outcome"] for e in entries] == [200, 201]
