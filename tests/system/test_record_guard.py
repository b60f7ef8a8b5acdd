# SPDX-License-Identifier: MIT
"""What the desk does when the record cannot be written, and when a parcel
that was already decided comes back: never a routine that leaves nothing
behind, never a second refund."""
import collections
import sqlite3
import threading
import time

from helpers import GTIN_TSHIRT, expected_return, wait_for


class HeldLock:
    """Another connection holding the database's write lock for @seconds,
    longer than the daemon's 2 s busy timeout (a backup tool, a stuck
    sqlite3 shell)."""

    def __init__(self, db, seconds):
        self.db, self.seconds = db, seconds
        self.taken = threading.Event()
        self.thread = threading.Thread(target=self._hold, daemon=True)

    def _hold(self):
        c = sqlite3.connect(str(self.db), timeout=10, isolation_level=None)
        c.execute("BEGIN IMMEDIATE")
        self.taken.set()
        time.sleep(self.seconds)
        c.execute("ROLLBACK")
        c.close()

    def __enter__(self):
        self.thread.start()
        assert self.taken.wait(5)
        return self

    def __exit__(self, *exc):
        self.thread.join()


def refunds_by_key(shop):
    return collections.Counter(r["idempotency_key"]
                               for r in shop.delivered("refund.requested"))


def test_rescanned_decided_return_is_not_refunded_twice(station):
    st = station
    st.import_expected(expected_return())
    st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    rid = st.confirm("accept")
    st.feed("RMA-10001")
    s = wait_for(lambda: (x := st.status())["problem"] and x,
                 what="the desk to say the return was decided")
    assert "already decided on receipt %d" % rid in s["problem"], s
    assert s["step"] == "scan", s
    assert len(st.returns()) == 1
    wait_for(lambda: st.shop.delivered("refund.requested"), timeout=10)
    time.sleep(1.0)
    assert list(refunds_by_key(st.shop).values()) == [1]


def test_parcel_not_recorded_goes_back_to_scan(station):
    st = station
    st.import_expected(expected_return())
    with HeldLock(st.db, 3.0):
        st.feed("RMA-10001")
        s = wait_for(lambda: (x := st.status())["problem"] and x,
                     timeout=8, what="the failed open reported")
    assert "not recorded" in s["problem"].lower(), s
    assert s["step"] == "scan" and s["light"] == "red", s
    assert st.returns() == []
    # the lock is gone: the same parcel goes through
    st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    st.confirm("accept")
    assert len(st.returns()) == 1


def test_decision_not_recorded_can_be_confirmed_again(station):
    st = station
    st.import_expected(expected_return())
    s = st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    rid = s["receipt"]
    with HeldLock(st.db, 3.0):
        code, answer = st.call("POST", "/api/v1/confirm",
                               {"verdict": "accept"})
        s = st.status()
    # the answer says so too: never 200 for a decision not recorded
    assert code == 500, (code, answer)
    assert "not recorded" in answer["error"].lower(), answer
    assert "decision not recorded" in s["problem"].lower(), s
    assert s["step"] == "confirm" and s["receipt"] == rid, s
    assert st.receipt(rid)["verdict"] in (None, ""), st.receipt(rid)
    # confirmed again once the lock is gone: recorded, refunded once
    assert st.confirm("accept") == rid
    assert st.receipt(rid)["verdict"] == "accept"
    wait_for(lambda: st.shop.delivered("refund.requested"), timeout=10)
    time.sleep(1.0)
    assert list(refunds_by_key(st.shop).values()) == [1]
