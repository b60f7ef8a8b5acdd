# SPDX-License-Identifier: MIT
"""A station with no connector, as the package installs it
(conf/retourd.conf: the site connects its shop later): the desk decides,
the outbox keeps every row pending, and once [outbox] names a connector
the rows go, each once."""
import collections

from helpers import GTIN_TSHIRT, expected_return, wait_for


def test_rows_wait_for_a_connector_then_go_once(make_station):
    st = make_station(start=False)
    connector = st.cfg["outbox"]
    st.cfg["outbox"] = {}
    st.write_config()
    st.start()
    st.sign_in()
    st.import_expected(expected_return())
    st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    st.confirm("accept")
    wait_for(lambda: any(o["action"] == "refund.requested"
                         for o in st.outbox()), what="the refund queued")
    rows = st.outbox()
    assert {o["state"] for o in rows} == {"pending"}, rows
    assert st.shop.delivered() == []

    st.stop()
    st.cfg["outbox"] = connector
    st.write_config()
    st.start()
    wait_for(lambda: all(o["state"] == "done" for o in st.outbox()),
             timeout=15, what="every row delivered")
    sent = collections.Counter(r["idempotency_key"]
                               for r in st.shop.delivered())
    assert sent and set(sent.values()) == {1}, sent
    types = {r["payload"]["type"] for r in st.shop.delivered()}
    assert {"refund.requested", "return.decided"} <= types, types
