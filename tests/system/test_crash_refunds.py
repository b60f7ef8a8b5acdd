# SPDX-License-Identifier: MIT
"""Exactly once under kill -9, for every connector: a slow fake shop
(delay_s), refunds decided one after another, retourd killed with SIGKILL
at a random moment after each decision (before, while or after its refund
is at the shop), started again on the same database, in a loop that stops
by itself after RETOUR_CRASH_ITERATIONS rounds (default 20, `make check`;
`make soak` runs 200) or RETOUR_CRASH_BUDGET_S seconds per connector.
Afterwards every decided refund reached the shop exactly once, with its
amount, and the audit chain and database are intact."""
import collections
import os
import random
import time

import pytest

from helpers import GTIN_TSHIRT, expected_return, wait_for
from shops import KINDS, make_shop, routed_station

ITERATIONS = int(os.environ.get("RETOUR_CRASH_ITERATIONS", "20"))
# The shop's outage in the second test: `make soak` makes it minutes long.
OUTAGE_S = float(os.environ.get("RETOUR_CRASH_OUTAGE_S", "4"))
BUDGET_S = float(os.environ.get("RETOUR_CRASH_BUDGET_S", "40"))
DELAY_S = 0.3
AMOUNT = 11297      # two T-shirts and the delivery (expected_return())


def restart(st):
    st.start()
    s = st.status()
    if s["step"] == "sign_in" or s["clerk"] != "Ola":
        st.sign_in()


@pytest.mark.parametrize("kind", KINDS)
def test_kill9_while_refunds_are_in_flight(make_station, kind):
    rnd = random.Random(int(os.environ.get("RETOUR_CRASH_SEED", "8")))
    shop = make_shop(kind)
    try:
        st = routed_station(make_station, shop,
                            outbox={"backoff_base_ms": 100,
                                    "backoff_max_ms": 1000,
                                    "timeout_ms": 3000})
        shop.delay_s = DELAY_S
        decided = []
        kills = 0
        deadline = time.monotonic() + BUDGET_S
        for i in range(ITERATIONS):
            if time.monotonic() > deadline:
                break
            er = shop.add_expected(expected_return(
                rma="RMA-%05d" % (20000 + i), order="ORD-%05d" % (20000 + i)))
            st.import_expected(er)
            s = st.run_to(er["rma"], items=[GTIN_TSHIRT, GTIN_TSHIRT])
            rid = st.confirm("accept")
            decided.append(rid)
            # Before the claim, in the request, or after the answer.
            time.sleep(rnd.uniform(0.0, 2.5 * DELAY_S))
            st.kill9()
            kills += 1
            restart(st)
        assert kills >= min(ITERATIONS, 5), "the loop barely ran"
        shop.delay_s = 0
        wait_for(lambda: not st.outbox("pending"), timeout=60,
                 what="every outbox row delivered after the last restart")
        assert not st.outbox("dead"), st.outbox("dead")
        made = shop.refunds()
        keys = collections.Counter(r["key"] for r in made)
        assert len(keys) == len(decided), (len(keys), len(decided), made)
        twice = {k: n for k, n in keys.items() if n != 1}
        assert not twice, "refunds made more than once: %r" % twice
        assert all(r["amount_minor"] == AMOUNT for r in made), made
        for rid in decided:
            rec = st.receipt(rid)
            assert [o["state"] for o in rec["outbox"]
                    if o["action"] == "refund.requested"] == ["done"], rec
        audit = st.ctl_json("audit", "verify", "--json")
        assert audit["ok"] is True, audit
        db = st.ctl_json("db", "check", "--json")
        assert db["ok"] is True, db
    finally:
        shop.close()


@pytest.mark.parametrize("kind", KINDS)
def test_refunds_wait_out_a_shop_outage_and_kills(make_station, kind):
    """The shop goes away for OUTAGE_S; refunds decided meanwhile, the
    daemon killed during the outage, the shop back: each refund once."""
    shop = make_shop(kind)
    try:
        st = routed_station(make_station, shop,
                            outbox={"backoff_base_ms": 200,
                                    "backoff_max_ms": 2000,
                                    "timeout_ms": 3000})
        shop.go_down(0)
        down_at = time.monotonic()
        decided = []
        for i in range(3):
            er = shop.add_expected(expected_return(
                rma="RMA-%05d" % (40000 + i), order="ORD-%05d" % (40000 + i)))
            st.import_expected(er)
            st.run_to(er["rma"], items=[GTIN_TSHIRT, GTIN_TSHIRT])
            decided.append(st.confirm("accept"))
            st.kill9()
            restart(st)
        # The outage itself: the station keeps trying meanwhile.
        time.sleep(max(0.0, OUTAGE_S - (time.monotonic() - down_at)))
        assert shop.refunds() == []
        shop.come_up()
        wait_for(lambda: not st.outbox("pending"), timeout=60,
                 what="every row delivered after the outage")
        made = shop.refunds()
        keys = collections.Counter(r["key"] for r in made)
        assert len(keys) == len(decided) and set(keys.values()) == {1}, made
    finally:
        shop.close()
