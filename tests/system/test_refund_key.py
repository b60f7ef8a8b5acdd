# SPDX-License-Identifier: MIT
"""One key per refund, not per desk or receipt: two stations (two
databases, two desks, different [shop] names) that both open and decide
the same expected return during a network split make ONE refund at a shop
that drops a repeated webhook-id; two parcels of one order (two expected
returns, different RMAs) make TWO."""
from helpers import GTIN_TSHIRT, expected_return, tshirt, wait_for


def all_done(st, rid):
    return all(o["state"] == "done" for o in st.receipt(rid)["outbox"]
               if o["action"] == "refund.requested")


def decide(st, code):
    s = st.run_to(code, items=[GTIN_TSHIRT, GTIN_TSHIRT])
    assert s["proposal"]["verdict"] == "accept", s["proposal"]
    return st.confirm("accept")


def refund_ids(shop):
    return [r["id"] for r in shop.delivered("refund.requested")]


def test_same_refund_at_two_desks_is_refunded_once(make_station):
    a = make_station(station={"desk": "desk-a"})
    shop = a.shop
    # Desk B speaks to the same shop, under another [shop] name: the
    # refund is the expected return's shop's, not the desk's.
    b = make_station(station={"desk": "desk-b"}, shop={"name": "hall-2"},
                     outbox={"url": shop.url})
    for st in (a, b):
        st.sign_in()
        st.import_expected(expected_return())
    ra = decide(a, "RMA-10001")
    rb = decide(b, "RMA-10001")
    wait_for(lambda: all_done(a, ra) and all_done(b, rb), timeout=15,
             what="both desks' refunds delivered")
    ids = refund_ids(shop)
    # Both desks sent it, under one webhook-id: the shop refunded once.
    assert len(ids) == 2, ids
    assert ids[0] == ids[1] and ids[0].startswith("rr-"), ids
    assert shop.refunds_made() == 1
    bodies = [r["payload"] for r in shop.delivered("refund.requested")]
    assert {p["station"] for p in bodies} == {"desk-a", "desk-b"}
    assert {p["shop"] for p in bodies} == {"demo"}, bodies
    # Each station's record has the shop's one answer.
    refs = {o["shop_ref"] for st, rid in ((a, ra), (b, rb))
            for o in st.receipt(rid)["outbox"]
            if o["action"] == "refund.requested"}
    assert len(refs) == 1 and None not in refs, refs


def test_two_parcels_of_one_order_are_two_refunds(station):
    station.import_expected(
        expected_return(rma="RMA-10001", order="ORD-1001",
                        items=[tshirt()]),
        expected_return(rma="RMA-10002", order="ORD-1001",
                        items=[tshirt()]))
    r1 = decide(station, "RMA-10001")
    r2 = decide(station, "RMA-10002")
    wait_for(lambda: all_done(station, r1) and all_done(station, r2),
             timeout=15, what="both refunds delivered")
    ids = refund_ids(station.shop)
    assert len(ids) == 2 and ids[0] != ids[1], ids
    assert station.shop.refunds_made() == 2
