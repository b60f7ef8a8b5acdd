# SPDX-License-Identifier: MIT
"""The durable outbox against a shop that fails on demand: retries with
backoff, Retry-After honoured, dead rows retried by hand, undo within the
grace period."""
import collections
import time

from helpers import GTIN_TSHIRT, expected_return, wait_for


def accept_one(st):
    st.import_expected(expected_return())
    s = st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    assert s["proposal"]["verdict"] == "accept", s["proposal"]
    return st.confirm("accept")


# The decision's events; the parcel's (return.received, return.inspected)
# and the refund's outcome (refund.succeeded, refund.failed) are told
# apart (test_events.py).
DECISION = ("refund.requested", "return.decided")


def decision_rows(rows):
    return [o for o in rows if o["action"] in DECISION]


def ok_counts(shop):
    return collections.Counter(r["idempotency_key"] for r in shop.delivered()
                               if r["payload"]["type"] in DECISION)


def test_500_then_200_is_delivered_once(station):
    st = station
    st.shop.fail_next(500, only=DECISION)
    rid = accept_one(st)
    wait_for(lambda: len(ok_counts(st.shop)) == 2, timeout=10,
             what="both events delivered after a 500")
    time.sleep(1.0)
    failed = [r for r in st.shop.received if r["answered"] == 500]
    assert len(failed) == 1
    counts = ok_counts(st.shop)
    assert set(counts.values()) == {1}, counts
    assert failed[0]["idempotency_key"] in counts     # the same key again
    rows = st.receipt(rid)["outbox"]
    wait_for(lambda: all(o["state"] == "done"
                         for o in st.receipt(rid)["outbox"]),
             what="every row done")
    rows = st.receipt(rid)["outbox"]
    retried = [o for o in rows if o["key"] == failed[0]["payload"]["id"]]
    assert retried and retried[0]["attempts"] >= 2, rows


def test_429_retry_after_is_honoured(station):
    st = station
    st.shop.fail_next(429, {"Retry-After": "2"}, only=DECISION)
    accept_one(st)
    wait_for(lambda: len(ok_counts(st.shop)) == 2, timeout=15,
             what="both events delivered after a 429")
    first = [r for r in st.shop.received if r["answered"] == 429][0]
    again = [r for r in st.shop.received
             if r["idempotency_key"] == first["idempotency_key"] and
             r is not first]
    assert again, st.shop.received
    gap = again[0]["at"] - first["at"]
    assert gap >= 2.0, "retried %.2f s after a 429 with Retry-After: 2" % gap


def test_400_is_dead_until_retried_by_hand(station):
    st = station
    st.shop.fail_next(400, only=DECISION)
    st.shop.fail_next(400, only=DECISION)
    rid = accept_one(st)
    dead = wait_for(lambda: len(st.outbox("dead")) == 2 and
                    decision_rows(st.outbox("dead")),
                    timeout=10, what="both rows dead after 400")
    assert all(o["receipt_id"] == rid for o in dead)
    assert all(o["last_error"] for o in dead), dead
    assert st.status()["outbox"]["dead"] == 2
    time.sleep(1.0)     # a dead row is not retried on its own
    assert not ok_counts(st.shop)
    for o in dead:
        st.ctl("outbox", "retry", o["id"])
    wait_for(lambda: len(ok_counts(st.shop)) == 2, timeout=10,
             what="dead rows delivered after retourctl outbox retry")
    assert set(ok_counts(st.shop).values()) == {1}
    # the shop answered; the sender records it a moment later
    wait_for(lambda: st.status()["outbox"] == {"pending": 0, "dead": 0},
             what="both rows marked done")
    assert not st.outbox("dead")


def test_undo_within_grace_sends_nothing(make_station):
    st = make_station(grace_s=5)
    st.sign_in()
    rid = accept_one(st)
    last = st.status()["last_decision"]
    assert last["receipt"] == rid and last["undo_until"], last
    st.ok("POST", "/api/v1/undo", {"receipt": rid})
    rows = decision_rows(st.receipt(rid)["outbox"])
    assert rows and all(o["state"] == "cancelled" for o in rows), rows
    time.sleep(6.5)     # past the grace period
    # The parcel's own events went (an undo retracts the decision only).
    assert not ok_counts(st.shop), st.shop.received
    assert [r["payload"]["type"] for r in st.shop.delivered()] == \
        ["return.received", "return.inspected"], st.shop.received
    assert st.status()["outbox"]["pending"] == 0
    # after the grace period the undo is refused
    code, answer = st.call("POST", "/api/v1/undo", {"receipt": rid})
    assert code in (404, 409), (code, answer)
