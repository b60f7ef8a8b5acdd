# SPDX-License-Identifier: MIT
"""The allegro connector against a fake Allegro (scripts/sim/shops/
allegro.py): a whole return refunded once with its lines and delivery,
then each fault the network and the shop can throw.  Allegro has no
idempotency key: the station looks the payment's refunds up before every
attempt, so each test ends with exactly one refund per decision, of the
right amount, and the station's record showing Allegro's refund id."""
import time

import pytest

import helpers
from helpers import GTIN_TSHIRT, expected_return, wait_for
from sim.shops.allegro import Shop

AMOUNT = 2 * 4999 + 1299        # two T-shirts and the delivery


def is_refund_post(req):
    return req.method == "POST" and req.path == "/payments/refunds"


@pytest.fixture
def allegro():
    shop = Shop()
    yield shop
    shop.close()


def allegro_station(make_station, shop, **section):
    st = make_station(start=False, outbox={"timeout_ms": 1500,
                                           "backoff_base_ms": 100,
                                           "backoff_max_ms": 600})
    st.cfg["outbox"]["refunds"] = "allegro"
    conn = shop.connector_section(str(st.dir / "secrets"))
    conn.update(section)
    st.cfg["connector allegro"] = conn
    st.write_config()
    st.start()
    st.sign_in()
    return st


def decide(st, shop):
    er = shop.add_expected(expected_return())
    st.import_expected(er)
    s = st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    assert s["proposal"]["verdict"] == "accept", s["proposal"]
    return er, st.confirm("accept")


def refund_row(st, rid):
    rows = [o for o in st.receipt(rid)["outbox"]
            if o["action"] == "refund.requested"]
    assert len(rows) == 1, rows
    return rows[0]


def wait_done(st, rid, timeout=15):
    return wait_for(lambda: refund_row(st, rid)["state"] == "done" and
                    refund_row(st, rid), timeout=timeout,
                    what="the refund row done")


def assert_exactly_one(st, shop, er, rid):
    row = wait_done(st, rid)
    made = shop.refunds()
    assert len(made) == 1, made
    r = made[0]
    assert r["amount_minor"] == AMOUNT and r["currency"] == "PLN", r
    assert r["order"] == er["shop_order_id"]
    assert r["delivery_minor"] == 1299, r
    assert r["lines"] == [{"line": er["items"][0]["shop_line_id"],
                           "quantity": 2, "amount_minor": 9998}], r
    assert r["key"].startswith("rr-"), r
    assert r["reason"] == "REFUND"
    assert row["shop_ref"] == r["ref"], (row, r)
    return row


def test_whole_return_refunded_once(make_station, allegro):
    st = allegro_station(make_station, allegro)
    er, rid = decide(st, allegro)
    assert_exactly_one(st, allegro, er, rid)
    posts = [q for q in allegro.requests if is_refund_post(q)]
    assert len(posts) == 1
    body = posts[0].json()
    assert body["payment"] == {"id": er["shop_payment_id"]}
    assert body["delivery"] == {"value": {"amount": "12.99",
                                          "currency": "PLN"}}
    assert body["lineItems"] == [{"id": er["items"][0]["shop_line_id"],
                                  "type": "QUANTITY", "quantity": 2}]
    # looked up before the first attempt, token fetched once
    gets = [q for q in allegro.requests if q.method == "GET"]
    assert gets and gets[0].at <= posts[0].at
    assert allegro.token_requests == 1
    # no token in the log
    log = st.log()
    assert allegro.client_secret not in log
    assert allegro.first_refresh not in log
    # the events went to the webhook, not to Allegro
    assert all(not q.path.startswith("/webhook") for q in allegro.requests)


def test_500_after_the_refund_is_made(make_station, allegro):
    st = allegro_station(make_station, allegro)
    allegro.fault("500_after_apply", match=is_refund_post)
    er, rid = decide(st, allegro)
    row = assert_exactly_one(st, allegro, er, rid)
    assert row["attempts"] >= 1


@pytest.mark.parametrize("retry_after", [None, 1])
def test_429_waits(make_station, allegro, retry_after):
    # a minute by default (Allegro asks for it); 2 s here
    st = allegro_station(make_station, allegro, throttle_wait_s=2)
    allegro.fault("429", retry_after=retry_after, match=is_refund_post)
    er, rid = decide(st, allegro)
    assert_exactly_one(st, allegro, er, rid)
    first = [q for q, what in allegro.answered if what == "429"][0]
    ok = [q for q, what in allegro.answered
          if is_refund_post(q) and what == 201][0]
    assert ok.at - first.at >= 2.0, ok.at - first.at


def test_hang_past_the_timeout(make_station, allegro):
    st = allegro_station(make_station, allegro)
    allegro.fault("hang", seconds=3, apply=True, match=is_refund_post)
    er, rid = decide(st, allegro)
    assert_exactly_one(st, allegro, er, rid)


def test_reset_after_applying(make_station, allegro):
    st = allegro_station(make_station, allegro)
    allegro.fault("reset", apply=True, match=is_refund_post)
    er, rid = decide(st, allegro)
    assert_exactly_one(st, allegro, er, rid)


@pytest.mark.parametrize("kind", ["malformed", "truncated"])
def test_unreadable_answer(make_station, allegro, kind):
    st = allegro_station(make_station, allegro)
    allegro.fault(kind, match=is_refund_post)
    er, rid = decide(st, allegro)
    assert_exactly_one(st, allegro, er, rid)


def test_business_error_is_dead_then_retried_by_hand(make_station, allegro):
    st = allegro_station(make_station, allegro)
    allegro.fault("business_error", match=is_refund_post)
    er, rid = decide(st, allegro)
    dead = wait_for(lambda: [o for o in st.outbox("dead")
                             if o["action"] == "refund.requested"],
                    timeout=10, what="the refund row dead")
    assert "payment is locked by a dispute" in dead[0]["last_error"], dead
    assert "REFUND_NOT_POSSIBLE" in dead[0]["last_error"]
    listed = st.ctl("outbox", "list").stdout
    assert "payment is locked by a dispute" in listed, listed
    assert not allegro.refunds()
    time.sleep(0.5)         # a dead row is not retried on its own
    assert not allegro.refunds()
    st.ctl("outbox", "retry", dead[0]["id"])
    assert_exactly_one(st, allegro, er, rid)


def test_short_outage(make_station, allegro):
    st = allegro_station(make_station, allegro)
    allegro.fault("down", seconds=3)
    er, rid = decide(st, allegro)
    assert_exactly_one(st, allegro, er, rid)


def test_expired_token_is_fetched_again(make_station, allegro):
    st = allegro_station(make_station, allegro)
    allegro.expire_tokens()         # nothing yet: the first one is fresh
    er, rid = decide(st, allegro)
    wait_done(st, rid)
    allegro.expire_tokens()
    er2 = allegro.add_expected(expected_return(rma="RMA-10002",
                                               order="ORD-1002"))
    st.import_expected(er2)
    s = st.run_to("RMA-10002", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    rid2 = st.confirm("accept")
    wait_done(st, rid2)
    assert len(allegro.refunds()) == 2
    assert allegro.token_requests == 2, allegro.token_requests
    assert s["proposal"]["verdict"] == "accept"


def test_refresh_token_refused_is_dead_with_its_reason(make_station,
                                                       allegro):
    st = allegro_station(make_station, allegro)
    allegro.refresh_tokens.clear()
    er, rid = decide(st, allegro)
    dead = wait_for(lambda: st.outbox("dead"), timeout=10,
                    what="the refund row dead")
    assert "invalid_grant" in dead[0]["last_error"], dead
    assert "authorise the station again" in dead[0]["last_error"]
    assert not allegro.refunds()


def test_device_flow_script_writes_the_refresh_token(tmp_path, allegro):
    import subprocess
    section = allegro.connector_section(str(tmp_path))
    out = tmp_path / "new-refresh-token"
    p = subprocess.run(
        ["/usr/bin/python3", str(helpers.REPO / "scripts" /
                                 "allegro-device-flow.py"),
         "--client-id", allegro.client_id, "--client-secret-file",
         section["client_secret_file"], "--out", str(out), "--auth-url",
         allegro.url, "--timeout", "20"],
        capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    token = out.read_text().strip()
    assert token in allegro.refresh_tokens
    assert out.stat().st_mode & 0o777 == 0o600
    assert token not in p.stdout + p.stderr
    assert allegro.client_secret not in p.stdout + p.stderr


def test_same_refund_at_two_desks_is_made_once(make_station, allegro):
    """Allegro cannot refuse a repeated request: the second desk's
    lookup finds the first desk's refund by its key and sends nothing."""
    a = allegro_station(make_station, allegro)
    b = make_station(start=False, station={"desk": "desk-2"},
                     outbox={"backoff_base_ms": 100, "backoff_max_ms": 600})
    b.cfg["outbox"]["refunds"] = "allegro"
    b.cfg["connector allegro"] = allegro.connector_section(
        str(b.dir / "secrets"))
    b.write_config()
    b.start()
    b.sign_in()
    er, rid = decide(a, allegro)
    assert_exactly_one(a, allegro, er, rid)
    b.import_expected(er)
    s = b.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    assert s["proposal"]["verdict"] == "accept", s["proposal"]
    rid_b = b.confirm("accept")
    row = assert_exactly_one(b, allegro, er, rid_b)
    assert row["attempts"] == 0, row          # never sent, found
    assert len([q for q in allegro.requests if is_refund_post(q)]) == 1


def second_refund(st, shop, rma, order):
    er = shop.add_expected(expected_return(rma=rma, order=order))
    st.import_expected(er)
    s = st.run_to(rma, items=[GTIN_TSHIRT, GTIN_TSHIRT])
    assert s["proposal"]["verdict"] == "accept", s["proposal"]
    return st.confirm("accept")


def test_a_rotated_refresh_token_is_kept_across_a_restart(make_station,
                                                          allegro):
    """Allegro gives a new refresh token with each access token and here
    refuses the old one: the station keeps the new one (0600, beside the
    database, never logged) and uses it after a restart, while the
    operator's file still holds the first."""
    allegro.revoke_old_refresh = True
    st = allegro_station(make_station, allegro)
    er, rid = decide(st, allegro)
    wait_done(st, rid)
    assert allegro.first_refresh not in allegro.refresh_tokens
    (rotated,) = allegro.refresh_tokens
    kept = st.dir / "secrets" / "connector-allegro.refresh_token_file"
    if not kept.exists():  # beside the database, wherever that is
        kept = next(p for p in st.dir.rglob(
            "connector-allegro.refresh_token_file"))
    assert oct(kept.stat().st_mode & 0o777) == "0o600"
    assert kept.read_text().splitlines()[1] == rotated
    st.kill9()
    st.start()
    st.sign_in()
    rid2 = second_refund(st, allegro, "RMA-10002", "ORD-1002")
    wait_done(st, rid2)
    assert len(allegro.refunds()) == 2
    assert allegro.token_requests == 2
    log = st.log()
    for token in (allegro.first_refresh, rotated,
                  *allegro.refresh_tokens):
        assert token not in log


def test_a_token_the_operator_writes_wins_over_a_kept_one(make_station,
                                                         allegro):
    """Authorising the station again (a new refresh_token_file) replaces
    what the station kept from the old authorisation."""
    allegro.revoke_old_refresh = True
    st = allegro_station(make_station, allegro)
    er, rid = decide(st, allegro)
    wait_done(st, rid)
    st.stop()
    # the device flow again: a new token in the file, the kept one revoked
    fresh = "fresh-" + allegro.first_refresh[:20]
    allegro.refresh_tokens = {fresh}
    path = st.cfg["connector allegro"]["refresh_token_file"]
    with open(path, "w") as f:
        f.write(fresh + "\n")
    st.start()
    st.sign_in()
    rid2 = second_refund(st, allegro, "RMA-10002", "ORD-1002")
    wait_done(st, rid2)
    assert len(allegro.refunds()) == 2
