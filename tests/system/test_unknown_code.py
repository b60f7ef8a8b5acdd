# SPDX-License-Identifier: MIT
"""An RMA-like code that matches nothing: the desk says "not found" and
offers two ways on.  Searching by the order or tracking number finds the
return; starting an unexpected return goes through weigh, photo, the item
scans and the checklist to a hold."""
from helpers import GTIN_OTHER, GTIN_TSHIRT, expected_return, reason_codes, \
    wait_for


def not_found(st, code):
    st.feed(code)
    return wait_for(lambda: (s := st.status())["not_found"] and s,
                    what="%s not found" % code)


def test_rma_not_found_offers_the_choices_and_search_finds(station):
    st = station
    st.import_expected(expected_return(lookup_codes=["JJD0039000000000"]))
    s = not_found(st, "RMA-99999")
    assert s["step"] == "scan", s
    assert s["not_found"] == "RMA-99999"
    assert s["problem"] == "RMA-99999 not found"
    assert "order or tracking number" in s["prompt"], s
    assert "unexpected return" in s["prompt"], s
    assert s["receipt"] is None
    assert st.returns() == []
    # search by the tracking number
    st.feed("JJD0039000000000")
    s = st.wait_step("weigh", "photo", "items")
    assert s["rma"] == "RMA-10001", s
    assert s["not_found"] is None


def test_unexpected_return_scans_items_and_holds(station):
    st = station
    code, answer = st.call("POST", "/api/v1/unexpected")
    assert code == 409, answer          # nothing was not found
    not_found(st, "RMA-99999")
    code, s = st.call("POST", "/api/v1/unexpected")
    assert code == 200, s
    rid = s["receipt"]
    assert rid, s
    s = st.wait_step("items", timeout=10)
    assert "scan each item" in s["prompt"], s
    st.scan_item(GTIN_TSHIRT)
    st.scan_item(GTIN_OTHER)
    st.ok("POST", "/api/v1/items-done")
    while True:
        s = wait_for(lambda: (x := st.status())["step"] in
                     ("checklist", "confirm") and x, what="checklist")
        if s["step"] == "confirm":
            break
        st.answer_step(s)
    p = s["proposal"]
    assert p["verdict"] == "hold", p
    assert "unexpected_return" in reason_codes(p), p
    rec = st.receipt(rid)
    assert rec["expected_id"] is None, rec
    assert rec["code"] == "RMA-99999"
    assert [i["gtin"] for i in rec["items"]] == [GTIN_TSHIRT,
                                                 "0" + GTIN_OTHER], rec
    assert rec.get("answers") or rec.get("checklist"), rec
    st.confirm()
    assert st.receipt(rid)["verdict"] == "hold"
    assert not st.shop.delivered("refund.requested")


def test_accept_button_starts_the_unexpected_return(station):
    st = station
    not_found(st, "RMA-99999")
    code, _ = st.call("POST", "/api/v1/buttons/accept")
    assert code in (200, 202)
    s = st.wait_step("weigh", "photo", "items")
    assert s["code"] == "RMA-99999"
