# SPDX-License-Identifier: MIT
"""The events of DESIGN.md section 6 that tell what happened rather than
what was decided: return.received (the parcel opened), return.cancelled
(that parcel abandoned before a decision), return.inspected
(what the desk found, before the decision), refund.succeeded (the shop's
refund id) and refund.failed (the shop's message), each through the
outbox, each once; and a dead refund retried by hand that then gets
through sends refund.succeeded."""
import pytest

from helpers import GTIN_TSHIRT, expected_return, wait_for
from sim.shop import FakeShop
import helpers


def by_type(shop, type_):
    return [r["payload"] for r in shop.delivered(type_)]


def one(shop, type_, timeout=10):
    wait_for(lambda: by_type(shop, type_), timeout=timeout,
             what="%s delivered" % type_)
    got = by_type(shop, type_)
    assert len(got) == 1, got
    return got[0]


@pytest.fixture
def refund_shop():
    shop = FakeShop(helpers.SECRET)
    yield shop
    shop.close()


def test_received_inspected_and_succeeded(station):
    station.import_expected(expected_return())
    s = station.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    rid = s["receipt"]
    # Sent when the parcel was opened, before anything was decided.
    rec = one(station.shop, "return.received")
    assert rec["receipt"] == rid and rec["rma"] == "RMA-10001"
    assert rec["order"] == "ORD-1001" and rec["code"] == "RMA-10001"
    assert rec["shop"] == "demo" and rec["station"] == "test-desk"
    assert rec["expected"] is True and rec["at"].endswith("Z")
    assert not by_type(station.shop, "return.inspected")
    station.confirm("accept")
    ins = one(station.shop, "return.inspected")
    assert ins["receipt"] == rid and ins["weighed"] is True
    assert ins["weight_g"] == 420 and ins["photos"] >= 1
    assert ins["items"][0]["sku"] == "TSHIRT-M"
    assert ins["items"][0]["expected"] == 2
    assert ins["items"][0]["found"] == 2
    ok = one(station.shop, "refund.succeeded")
    row = [o for o in station.receipt(rid)["outbox"]
           if o["action"] == "refund.requested"][0]
    assert ok["shop_refund_id"] == row["shop_ref"] and row["shop_ref"]
    assert ok["refund"] == row["key"] and ok["receipt"] == rid
    assert ok["amount_minor"] > 0 and ok["currency"] == "PLN"
    assert ok["refund_key"].startswith("rr-")
    # The inspection went before the decision, every event once.
    order = [r["payload"]["type"] for r in station.shop.delivered()]
    assert order.index("return.received") < \
        order.index("return.inspected") < order.index("return.decided")
    assert sorted(set(order)) == sorted(order), order
    assert not by_type(station.shop, "refund.failed")


def test_a_parcel_abandoned_after_received_sends_cancelled(station):
    """The receiver heard return.received; the clerk cancels the parcel:
    return.cancelled follows, once, queued with the cancellation, and no
    inspection or decision is sent."""
    station.import_expected(expected_return())
    s = station.run_to("RMA-10001", stop_at="items")
    rid = s["receipt"]
    one(station.shop, "return.received")
    code, body = station.call("POST", "/api/v1/cancel")
    assert code == 200, body
    can = one(station.shop, "return.cancelled")
    assert can["receipt"] == rid and can["rma"] == "RMA-10001", can
    assert can["type"] == "return.cancelled" and can["id"] != \
        one(station.shop, "return.received")["id"], can
    assert station.receipt(rid)["state"] == "cancelled"
    assert not by_type(station.shop, "return.inspected")
    assert not by_type(station.shop, "return.decided")


def test_a_packers_check_abandoned_sends_nothing(station):
    station.call("POST", "/api/v1/routine", {"routine": "ship_qc"})
    station.import_expected(expected_return(
        rma="", order="ORD-2001", kind="shipment", delivered_days_ago=None,
        delivery_basic_minor=0))
    station.run_to("ORD-2001", stop_at="items")
    code, body = station.call("POST", "/api/v1/cancel")
    assert code == 200, body
    wait_for(lambda: not station.outbox("pending"), what="outbox idle")
    assert not by_type(station.shop, "return.cancelled")
    assert not by_type(station.shop, "return.received")


def test_dead_refund_fails_then_succeeds_after_a_retry(make_station,
                                                       refund_shop):
    st = make_station(start=False)
    st.cfg["outbox"]["refunds"] = "shop"
    st.cfg["connector shop"] = {
        "type": "webhook", "url": refund_shop.url,
        "secret_file": st.cfg["outbox"]["secret_file"]}
    st.write_config()
    st.start()
    st.sign_in()
    st.import_expected(expected_return())
    refund_shop.fail_next(400, body='{"error":"order is archived"}')
    st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    rid = st.confirm("accept")
    bad = one(st.shop, "refund.failed")
    assert "order is archived" in bad["message"], bad
    assert bad["receipt"] == rid and bad["rma"] == "RMA-10001"
    # The dead refund shows the shop's message in `retourctl outbox list`.
    out = st.ctl("outbox", "list").stdout
    assert "order is archived" in out, out
    row = [o for o in st.receipt(rid)["outbox"]
           if o["action"] == "refund.requested"][0]
    assert row["state"] == "dead"
    st.ok("POST", "/api/v1/outbox/%d/retry" % row["id"])
    ok = one(st.shop, "refund.succeeded")
    row = [o for o in st.receipt(rid)["outbox"]
           if o["action"] == "refund.requested"][0]
    assert row["state"] == "done" and ok["shop_refund_id"] == row["shop_ref"]
    # The shop's refund id is in the record, and in `retourctl returns
    # show` (the API's GET /api/v1/returns/{id} above has it too).
    assert row["shop_ref"] in st.ctl("returns", "show", str(rid)).stdout
    # Still one failure: the retry did not repeat it.
    assert len(by_type(st.shop, "refund.failed")) == 1
    assert refund_shop.refunds_made() == 1
