# SPDX-License-Identifier: MIT
"""A real retourd refunding through the baselinker connector against the
fake BaseLinker (scripts/sim/shops/baselinker.py), whole and under each
fault: every decision ends as exactly one refund recorded on the return,
with the right amount, and the station's record shows the shop's
reference (the BaseLinker return id)."""
import time

import pytest

from helpers import GTIN_TSHIRT, expected_return, wait_for
from sim.shops.baselinker import Shop


def is_refund(req):
    return b"method=setOrderReturnRefund" in req.body


@pytest.fixture
def bl():
    shop = Shop()
    yield shop
    shop.close()


def bl_station(make_station, bl, outbox=None, **connector):
    st = make_station(start=False)
    st.cfg["outbox"].update({"refunds": "bl", "timeout_ms": 1500,
                             "backoff_base_ms": 100, "backoff_max_ms": 500})
    st.cfg["outbox"].update(outbox or {})
    section = bl.connector_section(st.dir)
    section.update(connector)
    st.cfg["connector bl"] = section
    st.write_config()
    st.start()
    st.sign_in()
    return st


def decide(st, bl):
    er = bl.add_expected(expected_return())
    st.import_expected(er)
    s = st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    assert s["proposal"]["verdict"] == "accept", s["proposal"]
    return st.confirm("accept"), er


def refund_row(st, rid):
    rows = [o for o in st.receipt(rid)["outbox"]
            if o["action"] == "refund.requested"]
    assert len(rows) == 1, rows
    return rows[0]


def assert_one_refund(st, bl, rid, er, timeout=15):
    row = wait_for(lambda: refund_row(st, rid)["state"] == "done" and
                   refund_row(st, rid), timeout=timeout,
                   what="the refund row done")
    time.sleep(0.3)     # a duplicate would arrive now
    made = bl.refunds()
    assert len(made) == 1, made
    # and it was sent once: the lookup kept every retry from resending
    assert len(bl.applied) == 1, bl.applied
    r = made[0]
    # two T-shirts at 49.99 and the basic delivery 12.99, once
    assert r["amount_minor"] == 2 * 4999 + 1299, r
    assert r["delivery_minor"] == 1299, r
    assert r["currency"] == "PLN"
    assert [(x["line"], x["quantity"]) for x in r["lines"]] == \
        [(er["items"][0]["shop_line_id"], 2)], r
    assert r["key"].startswith("rr-") and r["ref"] == er["shop_payment_id"]
    assert row["shop_ref"] == er["shop_payment_id"], row
    return row


def test_whole_return_is_refunded_once(make_station, bl):
    st = bl_station(make_station, bl)
    rid, er = decide(st, bl)
    row = assert_one_refund(st, bl, rid, er)
    ret = bl.returns[int(er["shop_payment_id"])]
    assert ret["refunded"] == "112.97", ret
    assert ret["external_refund_id"] == bl.refunds()[0]["key"], ret
    assert row["shop_ref"] == str(ret["return_id"])
    assert len(ret["refund_comment"]) <= 50
    # the lookup went first (no idempotency key at BaseLinker)
    methods = [r.body.split(b"&")[0] for r in bl.requests]
    assert methods[0] == b"method=getOrderReturns", methods
    assert methods.count(b"method=setOrderReturnRefund") == 1, methods


def test_status_is_set_after_the_refund(make_station, bl):
    st = bl_station(make_station, bl, status_id_done="1010")
    rid, er = decide(st, bl)
    assert_one_refund(st, bl, rid, er)
    assert bl.status_changes == [(int(er["shop_payment_id"]), 1010)]


FAULTS = [
    ("500_after_apply", {}),
    ("429", {"retry_after": 1}),
    ("429", {}),
    ("hang", {"seconds": 3, "apply": True}),
    ("reset", {"apply": True}),
    ("malformed", {}),
    ("truncated", {}),
]


@pytest.mark.parametrize("kind,kw", FAULTS,
                         ids=["%s%s" % (k, "-" + "-".join(
                             "%s=%s" % i for i in sorted(kw.items()))
                             if kw else "") for k, kw in FAULTS])
def test_fault_still_refunds_once(make_station, bl, kind, kw):
    st = bl_station(make_station, bl)
    bl.fault(kind, match=is_refund, **kw)
    rid, er = decide(st, bl)
    assert_one_refund(st, bl, rid, er)
    # the fault did hit the refund (a hang is recorded when it ends)
    answered = wait_for(lambda: [what for r, what in bl.answered
                                 if is_refund(r)], timeout=5,
                        what="the refund answered")
    assert answered[0] == kind, answered
    if kind == "429" and kw.get("retry_after"):
        first = [r for r in bl.requests if is_refund(r)][0]
        later = [r for r in bl.requests if r.at > first.at]
        assert later and later[0].at - first.at >= 1.0


def test_request_limit_is_waited_out(make_station, bl):
    st = bl_station(make_station, bl, blocked_wait_s="2")
    bl.fault("throttle", match=is_refund)
    rid, er = decide(st, bl)
    assert_one_refund(st, bl, rid, er)
    refunds = [r for r in bl.requests if is_refund(r)]
    assert len(refunds) == 2, refunds     # blocked, then recorded
    blocked = [r for r, what in bl.answered if what == "throttle"]
    assert blocked == [refunds[0]]
    assert refunds[1].at - refunds[0].at >= 2.0


def test_business_error_is_dead_until_retried_by_hand(make_station, bl):
    st = bl_station(make_station, bl)
    bl.fault("business_error", match=is_refund)
    rid, er = decide(st, bl)
    dead = wait_for(lambda: refund_row(st, rid)["state"] == "dead" and
                    refund_row(st, rid), timeout=10, what="a dead row")
    message = "Refund amount exceeds the return value"
    assert message in dead["last_error"], dead
    assert "ERROR_RETURN_REFUND" in dead["last_error"]
    assert any(message in (o["last_error"] or "")
               for o in st.outbox("dead"))
    assert message in st.ctl("outbox", "list").stdout
    time.sleep(0.5)     # a dead row is not retried on its own
    assert not bl.refunds()
    st.ctl("outbox", "retry", dead["id"])
    assert_one_refund(st, bl, rid, er)


def test_short_outage(make_station, bl):
    st = bl_station(make_station, bl)
    bl.fault("down", seconds=3)
    rid, er = decide(st, bl)
    assert_one_refund(st, bl, rid, er, timeout=20)


def test_two_stations_one_refund(make_station, bl):
    """The same return decided at two desks: the second desk's lookup
    finds the first's refund, and BaseLinker keeps one."""
    a = bl_station(make_station, bl)
    b = bl_station(make_station, bl)
    er = bl.add_expected(expected_return())
    rows = []
    for st in (a, b):
        st.import_expected(er)
        st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
        rid = st.confirm("accept")
        rows.append(wait_for(lambda: refund_row(st, rid)["state"] == "done"
                             and refund_row(st, rid), timeout=15,
                             what="refund done"))
    assert len(bl.refunds()) == 1, bl.refunds()
    assert len(bl.applied) == 1, bl.applied
    assert [r["shop_ref"] for r in rows] == [er["shop_payment_id"]] * 2


def test_settings_are_checked_with_file_and_line(make_station, bl):
    import subprocess
    import helpers
    st = make_station(start=False)
    st.cfg["outbox"]["refunds"] = "bl"
    section = bl.connector_section(st.dir)
    section["api_key"] = "x"
    st.cfg["connector bl"] = section
    st.write_config()
    r = subprocess.run([helpers.binary("retourd"), "-n", "-c", st.conf_path],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 1, r.stderr
    line = open(st.conf_path).read().splitlines().index("api_key = x") + 1
    assert "%s:%d: [connector bl] unknown key 'api_key' for the baselinker" \
        " connector" % (st.conf_path, line) in r.stderr, r.stderr


def test_token_never_shown(make_station, bl):
    st = bl_station(make_station, bl)
    bl.fault("business_error", match=is_refund)
    rid, er = decide(st, bl)
    wait_for(lambda: refund_row(st, rid)["state"] == "dead", timeout=10,
             what="a dead row")
    shown = (st.log() + st.ctl("outbox", "list").stdout +
             str(st.outbox()) + str(st.receipt(rid)))
    assert bl.token not in shown
    # ... while every request carried it
    assert all(r.headers.get("X-BLToken") == bl.token for r in bl.requests)
