# SPDX-License-Identifier: MIT
"""Expected returns pulled from a shop: a real retourd polls a fake shop
(scripts/sim/shops/<type>.py) through its connector, for every connector
that can pull and has a fake shop here.

* the shop's returns appear in GET /api/v1/expected with the shop's ids,
  and polling again adds none;
* a shop that goes away leaves the station working (a push import still
  goes in), the outage is logged once however many polls fail, and the
  returns made meanwhile come in once the shop is back;
* the cursor is in the store: after kill -9 and a restart the station goes
  on from it, and nothing is imported twice.

Polls are asked for with POST /api/v1/pull (retourctl expected pull), so
no test waits for pull_every_s."""
import importlib
import sqlite3

import pytest

import helpers
from helpers import REPO, expected_return, wait_for

SHOP = "pullshop"
CONNECTOR = "shop"
DOWN_LOGGED = "tries again later"


# What makes a return pullable in each fake shop, beyond add_expected():
# (the connector's extra settings, a function of (shop, er) -> er with the
# shop's ids).
def _woocommerce(shop, er):
    er = shop.add_expected(er)
    shop.set_status(int(er["shop_order_id"]), "return-requested")
    return er


def _shopify(shop, er):
    er = shop.add_expected(er)
    shop.add_return(er["shop_order_id"])
    return er


def _allegro(shop, er):
    er = shop.add_expected(er)
    shop.add_customer_return(er)
    return er


def _baselinker(shop, er):
    return shop.add_expected(er)


ADAPTERS = {
    "woocommerce": ({"pull_status": "return-requested"}, _woocommerce),
    "shopify": ({}, _shopify),
    "allegro": ({}, _allegro),
    "baselinker": ({}, _baselinker),
}
AVAILABLE = [t for t in ADAPTERS
             if (REPO / "scripts" / "sim" / "shops" / (t + ".py")).exists()]
TYPES = AVAILABLE or [pytest.param(
    None, marks=pytest.mark.skip(reason="no connector with a fake shop "
                                        "that pulls has landed yet"))]


class Pulling:
    """A station whose [connector shop] pulls from a fake shop of @kind."""

    def __init__(self, make_station, kind):
        mod = importlib.import_module("sim.shops." + kind)
        self.kind = kind
        self.shop = mod.Shop()
        self.extra, self._expose = ADAPTERS[kind]
        self.st = make_station(start=False)
        section = self.shop.connector_section(self.st.dir)
        section.update(self.extra)
        section.update({"shop": SHOP, "pull_every_s": 30,
                        "takes": "refunds"})
        self.st.cfg["connector " + CONNECTOR] = section
        self.st.write_config()
        self.n = 0

    def close(self):
        self.shop.close()

    def expose(self):
        """A new return at the shop, pullable; its shop_order_id."""
        self.n += 1
        er = expected_return(rma="RMA-PULL-%d" % self.n,
                             order="ORD-PULL-%d" % self.n)
        return str(self._expose(self.shop, er)["shop_order_id"])

    def puller(self):
        pull = self.st.status().get("pull")
        assert isinstance(pull, list) and len(pull) == 1, pull
        assert pull[0]["connector"] == CONNECTOR and pull[0]["shop"] == SHOP
        return pull[0]

    def poll(self):
        """Poll now and wait until that poll is over; the puller's view."""
        before = self.puller()["polls"]
        self.st.ctl("expected", "pull", CONNECTOR)
        # "polling" holds from the request until a poll that began after
        # it is over
        return wait_for(lambda: (lambda p: p if p["polls"] > before and
                                 not p["polling"] else None)(self.puller()),
                        timeout=20, what="a poll of %s" % self.kind)

    def pulled(self):
        """The expected returns of the shop, by shop_order_id."""
        out = {}
        for e in self.st.ok("GET", "/api/v1/expected?limit=1000"):
            if e["shop"] == SHOP:
                assert e["shop_order_id"] not in out, \
                    "pulled twice: %r" % e["shop_order_id"]
                out[e["shop_order_id"]] = e
        return out

    def rows_in_store(self):
        db = sqlite3.connect(str(self.st.db))
        try:
            return db.execute("SELECT count(*), count(DISTINCT "
                              "shop_order_id) FROM expected WHERE shop = ?",
                              (SHOP,)).fetchone()
        finally:
            db.close()

    def cursor_in_store(self):
        db = sqlite3.connect(str(self.st.db))
        try:
            row = db.execute("SELECT cursor, imported FROM pull_cursor "
                             "WHERE connector = ?", (CONNECTOR,)).fetchone()
        finally:
            db.close()
        return row


@pytest.fixture(params=TYPES)
def pulling(request, make_station):
    p = Pulling(make_station, request.param)
    yield p
    p.close()


def test_pulled_returns_appear_once(pulling):
    p = pulling
    ids = {p.expose(), p.expose()}
    p.st.start()
    polled = p.poll()
    assert polled["last_error"] is None, polled
    got = p.pulled()
    assert set(got) == ids, (got.keys(), ids)
    for e in got.values():
        assert e["items"] and all(it["shop_line_id"] for it in e["items"]), e
    assert p.puller()["imported"] == 2

    # polled again: nothing new, nothing twice
    again = p.poll()
    assert again["last_error"] is None, again
    assert set(p.pulled()) == ids
    assert p.rows_in_store() == (2, 2)
    assert again["imported"] == 2

    # a new one at the shop: only it comes in
    ids.add(p.expose())
    p.poll()
    assert set(p.pulled()) == ids
    assert p.rows_in_store() == (3, 3)
    assert p.puller()["imported"] == 3
    text = p.st.ctl("status").stdout
    assert "pull:" in text and "3 imported" in text, text


def test_a_shop_that_is_down_leaves_the_station_working(pulling):
    p = pulling
    first = p.expose()
    p.st.start()
    p.poll()
    assert set(p.pulled()) == {first}

    p.shop.go_down(0)
    failed = p.poll()
    assert failed["last_error"], failed
    failed = p.poll()
    assert failed["failures"] >= 2, failed
    # the station goes on: a push import is taken while the shop is away
    p.st.import_expected(expected_return(rma="RMA-PUSHED", order="ORD-P"))
    assert any(e["rma"] == "RMA-PUSHED"
               for e in p.st.ok("GET", "/api/v1/expected"))
    assert "FAILING" in p.st.ctl("status").stdout
    # returns made while the station could not see them
    second = p.expose()

    p.shop.come_up()
    back = p.poll()
    assert back["last_error"] is None and back["failures"] == 0, back
    assert set(p.pulled()) == {first, second}
    assert p.rows_in_store() == (2, 2)
    # one line for the outage, not one per failed poll
    assert p.st.log().count(DOWN_LOGGED) == 1, p.st.log()
    assert "answers again" in p.st.log()


def test_the_cursor_survives_a_kill(pulling):
    p = pulling
    ids = {p.expose(), p.expose()}
    p.st.start()
    p.poll()
    assert set(p.pulled()) == ids
    kept = p.cursor_in_store()
    assert kept is not None and kept[1] == 2, kept

    p.st.kill9()
    ids.add(p.expose())
    p.st.start()
    # the store's count and cursor, as they were
    assert p.cursor_in_store() == kept
    assert p.puller()["imported"] == 2
    p.poll()
    assert set(p.pulled()) == ids
    assert p.rows_in_store() == (3, 3)
    assert p.puller()["imported"] == 3
