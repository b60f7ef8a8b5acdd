# SPDX-License-Identifier: MIT
"""Several shops feed one station: expected returns imported with
different "shop" values are refunded through their own shop's connector
([connector NAME] shop = ..., takes = refunds), while the events go by
[outbox]'s routes; `retourd -n` names a second connector for the same
shop's rows, and takes = without shop =, by file and line."""
import pytest

import helpers
from helpers import GTIN_TSHIRT, expected_return, wait_for
from sim.shop import FakeShop
from test_connectors import line_of, run_check


@pytest.fixture
def two_shops():
    shops = {"alpha": FakeShop(helpers.SECRET),
             "beta": FakeShop(helpers.SECRET)}
    yield shops
    for s in shops.values():
        s.close()


def shop_sections(st, shops):
    for name, shop in shops.items():
        st.cfg["connector " + name] = {
            "type": "webhook", "url": shop.url, "shop": name,
            "takes": "refunds",
            "secret_file": st.cfg["outbox"]["secret_file"]}


def test_each_shop_is_refunded_through_its_own_connector(make_station,
                                                         two_shops):
    st = make_station(start=False)
    shop_sections(st, two_shops)
    st.write_config()
    st.start()
    st.sign_in()
    a = expected_return(rma="RMA-20001", order="ORD-2001")
    a["shop"] = "alpha"
    b = expected_return(rma="RMA-30001", order="ORD-3001")
    b["shop"] = "beta"
    st.import_expected(a, b)
    rids = []
    for code in ("RMA-20001", "RMA-30001"):
        st.run_to(code, items=[GTIN_TSHIRT, GTIN_TSHIRT])
        rids.append(st.confirm("accept"))
    wait_for(lambda: all(o["state"] == "done" for rid in rids
                         for o in st.receipt(rid)["outbox"]),
             timeout=15, what="every row delivered")
    for name, rma in (("alpha", "RMA-20001"), ("beta", "RMA-30001")):
        got = [r["payload"] for r in two_shops[name].delivered()]
        assert [(p["type"], p["rma"], p["shop"]) for p in got] == \
            [("refund.requested", rma, name)], got
        assert two_shops[name].refunds_made() == 1
    # The events (of both shops) went by [outbox]'s own route.
    events = [r["payload"] for r in st.shop.delivered()]
    assert "refund.requested" not in [p["type"] for p in events]
    assert {p["shop"] for p in events
            if p["type"] == "return.decided"} == {"alpha", "beta"}
    # The receipt names the expected return's shop, not the desk's.
    assert st.receipt(rids[0])["shop"] == "alpha"


def test_routing_problems_name_file_and_line(make_station, two_shops):
    st = make_station(start=False)
    shop_sections(st, two_shops)
    st.cfg["connector beta"]["shop"] = "alpha"
    st.write_config()
    r = run_check(st.conf_path)
    assert r.returncode == 1, r.stderr
    lines = st.conf_path.read_text().splitlines() \
        if hasattr(st.conf_path, "read_text") else \
        open(st.conf_path).read().splitlines()
    beta = [i + 1 for i, t in enumerate(lines) if t == "shop = alpha"][1]
    assert "%s:%d: [connector beta] shop: [connector alpha]" % (
        st.conf_path, beta) in r.stderr, r.stderr
    assert "takes the refunds of shop alpha already" in r.stderr

    st.cfg["connector beta"]["takes"] = "events"
    st.write_config()
    assert run_check(st.conf_path).returncode == 0

    del st.cfg["connector beta"]["shop"]
    st.write_config()
    r = run_check(st.conf_path)
    assert r.returncode == 1, r.stderr
    assert "%s:%d: [connector beta] takes: only with shop = NAME" % (
        st.conf_path, line_of(st.conf_path, "takes = events")) \
        in r.stderr, r.stderr
