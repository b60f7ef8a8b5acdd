# SPDX-License-Identifier: MIT
"""The woocommerce connector end to end: a real retourd refunds through
the fake WooCommerce (scripts/sim/shops/woocommerce.py), and every fault
the shop can throw ends with exactly one refund per decision, the right
amount, lines and delivery, and the shop's refund id on the station's
record."""
import time

import pytest

from helpers import GTIN_TSHIRT, expected_return, wait_for
from sim.shops.woocommerce import Shop

AMOUNT = 2 * 4999 + 1299        # two T-shirts and the basic delivery


@pytest.fixture
def woo():
    shop = Shop()
    yield shop
    shop.close()


def woo_station(make_station, shop, **outbox):
    opts = {"timeout_ms": 1500, "backoff_base_ms": 100,
            "backoff_max_ms": 500}
    opts.update(outbox)
    st = make_station(start=False, outbox=opts)
    st.cfg["outbox"]["refunds"] = "woo"
    st.cfg["connector woo"] = shop.connector_section(st.dir)
    st.write_config()
    st.start()
    st.sign_in()
    return st


def decide_refund(st, shop):
    er = shop.add_expected(expected_return())
    st.import_expected(er)
    s = st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    assert s["proposal"]["verdict"] == "accept", s["proposal"]
    return st.confirm("accept"), er


def refund_row(st, rid):
    rows = [o for o in st.receipt(rid)["outbox"]
            if o["action"] == "refund.requested"]
    assert len(rows) == 1, rows
    return rows[0]


def wait_refund_done(st, rid, timeout=15):
    return wait_for(lambda: (refund_row(st, rid)["state"] == "done" and
                             refund_row(st, rid)),
                    timeout=timeout, what="the refund row done")


def assert_one_refund(st, shop, rid, er):
    """Exactly one refund at the shop, right in every part, and its id
    on the station's record."""
    row = wait_refund_done(st, rid)
    time.sleep(0.3)     # a duplicate would show up now
    made = shop.refunds()
    assert len(made) == 1, made
    r = made[0]
    assert r["order"] == er["shop_order_id"]
    assert r["amount_minor"] == AMOUNT and r["currency"] == "PLN", r
    assert r["lines"] == [{"line": er["items"][0]["shop_line_id"],
                           "quantity": 2, "amount_minor": 9998}], r
    assert r["delivery_minor"] == 1299, r
    assert r["key"] and r["key"].startswith("rr-"), r
    assert row["shop_ref"] == r["ref"], (row, r)
    return row


def hit(shop, kind):
    """The fault really happened (a test that cannot fail proves nothing)."""
    wait_for(lambda: kind in [w for _, w in shop.answered], timeout=5,
             what="the %s fault hit" % kind)


def posts(shop):
    return [q for q, _ in shop.answered if q.method == "POST"]


def test_whole_return_refunded_once(make_station, woo):
    st = woo_station(make_station, woo)
    rid, er = decide_refund(st, woo)
    assert_one_refund(st, woo, rid, er)
    # looked up first (no idempotency key at WooCommerce), then made
    methods = [q.method for q, _ in woo.answered]
    assert methods[:2] == ["GET", "POST"], methods
    body = posts(woo)[0].json()
    assert body["amount"] == "112.97" and body["api_refund"] is True
    assert {"key": "_retour_refund_key",
            "value": woo.refunds()[0]["key"]} in body["meta_data"]


def test_500_after_applying_is_found_not_repeated(make_station, woo):
    woo.fault("500_after_apply", match=lambda q: q.method == "POST")
    st = woo_station(make_station, woo)
    rid, er = decide_refund(st, woo)
    row = assert_one_refund(st, woo, rid, er)
    hit(woo, "500_after_apply")
    assert len(posts(woo)) == 1 and row["attempts"] >= 1


@pytest.mark.parametrize("retry_after", [1, None])
def test_429_is_retried(make_station, woo, retry_after):
    woo.fault("429", retry_after=retry_after,
              match=lambda q: q.method == "POST")
    st = woo_station(make_station, woo)
    rid, er = decide_refund(st, woo)
    assert_one_refund(st, woo, rid, er)
    hit(woo, "429")
    tries = posts(woo)
    assert len(tries) == 2, tries
    if retry_after:
        assert tries[1].at - tries[0].at >= 1.0


def test_hang_past_the_timeout(make_station, woo):
    woo.fault("hang", seconds=3, apply=True,
              match=lambda q: q.method == "POST")
    st = woo_station(make_station, woo, timeout_ms=800)
    rid, er = decide_refund(st, woo)
    assert_one_refund(st, woo, rid, er)
    hit(woo, "hang")
    assert len(posts(woo)) == 1


def test_reset_after_applying(make_station, woo):
    woo.fault("reset", apply=True, match=lambda q: q.method == "POST")
    st = woo_station(make_station, woo)
    rid, er = decide_refund(st, woo)
    assert_one_refund(st, woo, rid, er)
    hit(woo, "reset")
    assert len(posts(woo)) == 1


@pytest.mark.parametrize("kind", ["malformed", "truncated"])
def test_unreadable_answer_after_applying(make_station, woo, kind):
    woo.fault(kind, match=lambda q: q.method == "POST")
    st = woo_station(make_station, woo)
    rid, er = decide_refund(st, woo)
    assert_one_refund(st, woo, rid, er)
    hit(woo, kind)
    assert len(posts(woo)) == 1


def test_business_error_is_dead_until_retried(make_station, woo):
    woo.fault("business_error", match=lambda q: q.method == "POST")
    st = woo_station(make_station, woo)
    rid, er = decide_refund(st, woo)
    dead = wait_for(lambda: refund_row(st, rid)["state"] == "dead" and
                    refund_row(st, rid), timeout=10, what="a dead row")
    assert "Invalid refund amount." in dead["last_error"], dead
    listed = st.ctl("outbox", "list").stdout
    assert "Invalid refund amount." in listed, listed
    assert any("Invalid refund amount." in (o["last_error"] or "")
               for o in st.outbox("dead"))
    hit(woo, "business_error")
    time.sleep(0.5)
    assert not woo.refunds()
    st.ctl("outbox", "retry", dead["id"])
    assert_one_refund(st, woo, rid, er)


def test_short_outage(make_station, woo):
    st = woo_station(make_station, woo)
    woo.fault("down", seconds=3)
    rid, er = decide_refund(st, woo)
    time.sleep(0.5)
    assert refund_row(st, rid)["state"] != "done"
    assert_one_refund(st, woo, rid, er)


def test_other_actions_are_refused_with_a_reason(make_station, woo):
    # Everything routed to the shop: the events cannot be made there.
    st = make_station(start=False, outbox={"backoff_base_ms": 100,
                                           "backoff_max_ms": 500})
    st.cfg["outbox"]["refunds"] = "woo"
    st.cfg["outbox"]["events"] = "woo"
    st.cfg["connector woo"] = woo.connector_section(st.dir)
    st.write_config()
    st.start()
    st.sign_in()
    rid, er = decide_refund(st, woo)
    assert_one_refund(st, woo, rid, er)
    dead = wait_for(lambda: [o for o in st.receipt(rid)["outbox"]
                             if o["state"] == "dead"],
                    timeout=10, what="the events dead")
    assert all("takes refunds only" in o["last_error"] for o in dead), dead
