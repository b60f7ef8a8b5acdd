# SPDX-License-Identifier: MIT
"""Power cuts: kill -9 the daemon at points of a routine, start it again on
the same database, and check that nothing confirmed was lost, the audit
chain and the database are intact, and no refund reached the shop under
two idempotency keys."""
import collections
import hashlib
import random
import time
from pathlib import Path

import pytest

from helpers import GTIN_TSHIRT, expected_return, wait_for


def check_intact(st):
    audit = st.ctl_json("audit", "verify", "--json")
    assert audit["ok"] is True, audit
    db = st.ctl_json("db", "check", "--json")
    assert db["ok"] is True, db


def refund_keys(shop):
    return collections.Counter(r["idempotency_key"] for r in shop.received
                               if r["payload"] and
                               r["payload"].get("type") == "refund.requested")


def restart(st):
    st.start()
    s = st.status()
    if s["step"] == "sign_in" or s["clerk"] != "Ola":
        st.sign_in()


def test_kill_after_scan(make_station):
    st = make_station()
    st.sign_in()
    st.import_expected(expected_return())
    st.scale.mode = "silent"        # the parcel stays on the weigh step
    st.feed("RMA-10001")
    s = st.wait_step("weigh")
    rid = s["receipt"]
    assert rid
    st.kill9()

    st.scale.mode = "stable"
    restart(st)
    rec = st.ctl_json("returns", "show", rid, "--json")
    assert rec["code"] == "RMA-10001"
    assert rec["expected_id"] is not None
    check_intact(st)

    # the desk takes the parcel again and finishes it
    st.wait_step("scan")
    s = st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    assert s["proposal"]["refund_minor"] == 11297
    st.confirm("accept")
    wait_for(lambda: refund_keys(st.shop), timeout=10)
    time.sleep(0.5)
    assert len(refund_keys(st.shop)) == 1, st.shop.received
    check_intact(st)


def test_kill_after_weighing(make_station):
    st = make_station()
    st.sign_in()
    st.import_expected(expected_return())
    s = st.run_to("RMA-10001", stop_at="items")
    rid = s["receipt"]
    st.kill9()

    restart(st)
    rec = st.ctl_json("returns", "show", rid, "--json")
    assert rec["weighed"] and rec["weight_g"] == 420, rec
    assert rec["photos"], rec
    for ph in rec["photos"]:
        data = Path(ph["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == ph["sha256"]
        assert len(data) == ph["bytes"]
    check_intact(st)


def test_kill_right_after_confirm_within_grace(make_station):
    st = make_station(grace_s=2)
    st.sign_in()
    st.import_expected(expected_return())
    s = st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    rid = s["receipt"]
    st.ok("POST", "/api/v1/confirm", {"verdict": "accept"})
    st.kill9()
    # still in the grace period: nothing of the decision was sent
    assert not [r for r in st.shop.received if r["payload"]["type"] in
                ("refund.requested", "return.decided")]

    restart(st)
    rec = st.ctl_json("returns", "show", rid, "--json")
    assert rec["verdict"] == "accept" and rec["refund_minor"] == 11297
    assert len(rec["items"]) == 2 and rec["checklist"] and rec["photos"]
    wait_for(lambda: st.shop.delivered("refund.requested") and
             st.shop.delivered("return.decided"), timeout=10)
    time.sleep(1.0)
    keys = refund_keys(st.shop)
    assert len(keys) == 1 and set(keys.values()) == {1}, st.shop.received
    assert st.shop.delivered("refund.requested")[0]["payload"][
        "amount_minor"] == 11297
    check_intact(st)


def test_kill_while_shop_is_slow(make_station):
    st = make_station(grace_s=0)
    st.sign_in()
    st.import_expected(expected_return())
    st.shop.delay_s = 3.0
    s = st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    rid = s["receipt"]
    st.ok("POST", "/api/v1/confirm", {"verdict": "accept"})
    # the first request is at the shop, its answer not yet back
    wait_for(lambda: st.shop.received, timeout=5, what="request in flight")
    st.kill9()
    st.shop.delay_s = 0

    restart(st)
    wait_for(lambda: all(o["state"] == "done"
                         for o in st.receipt(rid)["outbox"]), timeout=15,
             what="outbox drained after restart")
    keys = refund_keys(st.shop)
    # at least once, but always under the one idempotency key
    assert len(keys) == 1, st.shop.received
    assert all(r["signature_ok"] for r in st.shop.received)
    rec = st.ctl_json("returns", "show", rid, "--json")
    assert rec["verdict"] == "accept"
    check_intact(st)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kill_at_random_point(make_station, seed):
    """Kill at a random moment after the confirm (before, during or after
    the delivery): the decision survives and is refunded under one key."""
    rnd = random.Random(seed)
    st = make_station(grace_s=0)
    st.sign_in()
    st.import_expected(expected_return())
    s = st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    st.ok("POST", "/api/v1/confirm", {"verdict": "accept"})
    time.sleep(rnd.uniform(0.0, 0.3))
    st.kill9()
    restart(st)
    decided = [r for r in st.returns() if r.get("verdict") == "accept"]
    assert [r["id"] for r in decided] == [s["receipt"]], decided
    wait_for(lambda: all(o["state"] == "done" for o in
                         st.receipt(s["receipt"])["outbox"]), timeout=15)
    assert len(refund_keys(st.shop)) == 1, st.shop.received
    check_intact(st)
