# SPDX-License-Identifier: MIT
"""The shopify connector against the fake Shopify (scripts/sim/shops/
shopify.py): a whole return refunded once with its lines and delivery, and
every fault the shop can throw at it, each ending with exactly one refund
per decision and the shop's refund id in the station's record."""
import pytest

import helpers
from helpers import GTIN_TSHIRT, expected_return, wait_for
from sim.shops.shopify import Shop

# 2 x 49.99 + 12.99 delivery (the whole order came back)
AMOUNT = 2 * 4999 + 1299


@pytest.fixture
def shopify():
    shop = Shop()
    yield shop
    shop.close()


def shopify_station(make_station, shop, **outbox):
    st = make_station(start=False)
    st.cfg["outbox"].update({"refunds": "shopify", "timeout_ms": 2000,
                             "backoff_base_ms": 100, "backoff_max_ms": 500})
    st.cfg["outbox"].update(outbox)
    st.cfg["connector shopify"] = shop.connector_section(st.dir)
    st.write_config()
    st.start()
    st.sign_in()
    return st


def refund_row(st, rid):
    rows = [o for o in st.receipt(rid)["outbox"]
            if o["action"] == "refund.requested"]
    assert len(rows) == 1, rows
    return rows[0]


def decide(st, shop):
    er = shop.add_expected(expected_return())
    st.import_expected(er)
    s = st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    assert s["proposal"]["verdict"] == "accept", s["proposal"]
    return er, st.confirm("accept")


def refund_done(st, rid, timeout=15):
    return wait_for(lambda: refund_row(st, rid)["state"] == "done" and
                    refund_row(st, rid), timeout=timeout,
                    what="the refund row done")


def assert_one_refund(st, shop, er, rid):
    row = refund_done(st, rid)
    made = shop.refunds()
    assert len(made) == 1, made
    r = made[0]
    assert r["order"] == er["shop_order_id"]
    assert r["amount_minor"] == AMOUNT and r["currency"] == "PLN", r
    assert r["delivery_minor"] == 1299, r
    assert r["lines"] == [{"line": er["items"][0]["shop_line_id"],
                           "quantity": 2, "amount_minor": 9998}], r
    assert r["key"] and r["key"].startswith("rr-"), r
    assert row["shop_ref"] == r["ref"], (row, r)
    return row


def test_whole_return_refunded_once(make_station, shopify):
    st = shopify_station(make_station, shopify)
    er, rid = decide(st, shopify)
    row = assert_one_refund(st, shopify, er, rid)
    assert row["attempts"] == 1, row
    # the token went in its header and nowhere in the log
    assert shopify.token not in st.log()


def refund_posts(shop):
    return lambda r: r.method == "POST" and b"refundCreate" in r.body


@pytest.mark.parametrize("kind,kw", [
    ("500_after_apply", {}),
    ("429", {"retry_after": 1}),
    ("429", {}),
    ("throttle", {}),
    ("reset", {}),
    ("malformed", {}),
    ("truncated", {}),
], ids=["500_after_apply", "429_retry_after", "429_bare", "throttle",
        "reset", "malformed", "truncated"])
def test_fault_ends_with_one_refund(make_station, shopify, kind, kw):
    st = shopify_station(make_station, shopify)
    shopify.fault(kind, match=refund_posts(shopify), **kw)
    er, rid = decide(st, shopify)
    assert_one_refund(st, shopify, er, rid)
    # the fault was met, and something came after it: a second attempt
    # or, where the first was applied, the lookup that found it
    assert len(shopify.requests) >= 2, len(shopify.requests)
    answered = [w for _, w in shopify.answered]
    assert kind in answered or 429 in answered or "429" in answered, \
        answered
    if kind == "throttle":
        # waited out: (100 - 50) / 50 = 1 s after the throttled answer
        reqs = [r for r in shopify.requests if b"refundCreate" in r.body]
        assert len(reqs) == 2 and reqs[1].at - reqs[0].at >= 0.95, \
            [r.at for r in reqs]
    if kind == "429" and kw:
        reqs = [r for r in shopify.requests if b"refundCreate" in r.body]
        assert reqs[-1].at - reqs[0].at >= 0.95


def test_hang_past_the_timeout(make_station, shopify):
    st = shopify_station(make_station, shopify, timeout_ms=700)
    shopify.fault("hang", seconds=2, match=refund_posts(shopify))
    er, rid = decide(st, shopify)
    row = assert_one_refund(st, shopify, er, rid)
    assert row["attempts"] >= 2, row


def test_hang_after_applying_is_found_by_the_lookup(make_station, shopify):
    st = shopify_station(make_station, shopify, timeout_ms=700)
    shopify.fault("hang", seconds=2, apply=True,
                  match=refund_posts(shopify))
    er, rid = decide(st, shopify)
    assert_one_refund(st, shopify, er, rid)
    # found by the lookup of the order's refunds: never posted again
    posts = [r for r in shopify.requests if b"refundCreate" in r.body]
    assert len(posts) == 1, len(posts)


def test_business_error_is_dead_then_retried_by_hand(make_station, shopify):
    st = shopify_station(make_station, shopify)
    shopify.fault("business_error", match=refund_posts(shopify))
    er, rid = decide(st, shopify)
    dead = wait_for(lambda: [o for o in st.outbox("dead")
                             if o["action"] == "refund.requested"],
                    timeout=10, what="the refund row dead")
    msg = "Refund amount exceeds the refundable amount of the order"
    assert msg in dead[0]["last_error"], dead
    listed = st.ctl("outbox", "list").stdout
    assert msg in listed, listed
    assert not shopify.refunds()
    st.ctl("outbox", "retry", dead[0]["id"])
    assert_one_refund(st, shopify, er, rid)


def test_short_outage(make_station, shopify):
    st = shopify_station(make_station, shopify)
    shopify.fault("down", seconds=3)
    er, rid = decide(st, shopify)
    row = assert_one_refund(st, shopify, er, rid)
    assert row["attempts"] >= 2, row


def test_bad_token_is_dead_with_shopifys_message(make_station, shopify):
    st = make_station(start=False)
    st.cfg["outbox"].update({"refunds": "shopify", "backoff_base_ms": 100,
                             "backoff_max_ms": 500})
    sec = shopify.connector_section(st.dir)
    with open(sec["access_token_file"], "w") as f:
        f.write("shpat_wrong\n")
    st.cfg["connector shopify"] = sec
    st.write_config()
    st.start()
    st.sign_in()
    decide(st, shopify)
    dead = wait_for(lambda: [o for o in st.outbox("dead")
                             if o["action"] == "refund.requested"],
                    timeout=10, what="the refund row dead")
    assert "Invalid API key or access token" in dead[0]["last_error"]
    assert "shpat_wrong" not in dead[0]["last_error"]
    assert "shpat_wrong" not in st.log()
    assert not shopify.refunds()
