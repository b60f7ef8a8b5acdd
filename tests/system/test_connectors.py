# SPDX-License-Identifier: MIT
"""Connectors as the operator configures them: [connector NAME] sections,
refunds and events routed to different ones, and `retourd -n` naming the
file and line of a connector setting it does not take."""
import collections
import subprocess
from pathlib import Path

import pytest

import helpers
from helpers import GTIN_TSHIRT, expected_return, wait_for
from sim.shop import FakeShop

REPO = Path(__file__).resolve().parents[2]


def run_check(conf):
    return subprocess.run([helpers.binary("retourd"), "-n", "-c", str(conf)],
                          capture_output=True, text=True, timeout=10,
                          cwd=str(REPO))


def line_of(path, text):
    return Path(path).read_text().splitlines().index(text) + 1


def keys_by_type(shop):
    return collections.Counter((r["payload"]["type"], r["idempotency_key"])
                               for r in shop.delivered())


@pytest.fixture
def refund_shop():
    shop = FakeShop(helpers.SECRET)
    yield shop
    shop.close()


def routed_station(make_station, refund_shop):
    """A station whose refunds go to @refund_shop ([connector shop]) and
    whose events stay with [outbox]'s own webhook (st.shop)."""
    st = make_station(start=False)
    st.cfg["outbox"]["refunds"] = "shop"
    st.cfg["connector shop"] = {
        "type": "webhook", "url": refund_shop.url,
        "secret_file": st.cfg["outbox"]["secret_file"]}
    st.write_config()
    st.start()
    st.sign_in()
    return st


def test_refunds_and_events_go_to_their_own_connector(make_station,
                                                       refund_shop):
    st = routed_station(make_station, refund_shop)
    st.import_expected(expected_return())
    s = st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    assert s["proposal"]["verdict"] == "accept", s["proposal"]
    rid = st.confirm("accept")
    wait_for(lambda: all(o["state"] == "done"
                         for o in st.receipt(rid)["outbox"]),
             timeout=10, what="every outbox row done")
    refunds = keys_by_type(refund_shop)
    events = keys_by_type(st.shop)
    # The refund reached the refund connector only, the events the
    # webhook only, each exactly once and signed.
    assert [t for t, _ in refunds] == ["refund.requested"], refunds
    assert set(refunds.values()) == {1}, refunds
    assert events and "refund.requested" not in [t for t, _ in events]
    assert set(events.values()) == {1}, events
    assert all(r["signature_ok"] for r in refund_shop.received)
    assert all(r["signature_ok"] for r in st.shop.received)


def test_connector_problems_name_file_and_line(make_station):
    st = make_station(start=False)
    st.cfg["outbox"]["refunds"] = "shop"
    st.cfg["connector shop"] = {"type": "webhook",
                                "url": "http://127.0.0.1:9/refunds",
                                "secret_file": "/nonexistent/secret",
                                "api_key": "x"}
    st.write_config()
    r = run_check(st.conf_path)
    assert r.returncode == 1, r.stderr
    line = line_of(st.conf_path, "api_key = x")
    assert "%s:%d: [connector shop] unknown key 'api_key'" % (
        st.conf_path, line) in r.stderr, r.stderr

    del st.cfg["connector shop"]["api_key"]
    st.cfg["outbox"]["refunds"] = "shopp"
    st.write_config()
    r = run_check(st.conf_path)
    assert r.returncode == 1, r.stderr
    line = line_of(st.conf_path, "refunds = shopp")
    assert "%s:%d: [outbox] refunds: no [connector shopp] section" % (
        st.conf_path, line) in r.stderr, r.stderr

    # -n names the secret's file but does not read it: the daemon does.
    st.cfg["outbox"]["refunds"] = "shop"
    st.write_config()
    r = run_check(st.conf_path)
    assert r.returncode == 0, r.stderr
    proc = st.start(expect_ready=False)
    proc.wait(timeout=10)
    assert proc.returncode != 0
    assert "/nonexistent/secret" in st.log()
