# SPDX-License-Identifier: MIT
"""The tower light and the parcel sensor through the real daemon, with the
simulated GPIO: the status's devices.gpio shows the state the lines show
and the lines themselves (DESIGN.md, "Buttons, sensor and the tower
light")."""
import time

from helpers import GTIN_TSHIRT, expected_return, wait_for


def tower(st):
    return st.status()["devices"]["gpio"]


def test_signed_out_is_amber_from_the_start(make_station):
    st = make_station()
    g = tower(st)
    assert g["tower"] == "working", g
    assert g["lines"] == {"green": False, "amber": True, "red": False,
                          "buzzer": False}, g


def test_refused_scan_is_red_for_a_second_then_ready(station):
    st = station
    g = wait_for(lambda: (x := tower(st))["tower"] == "ready" and x,
                 what="ready after sign-in")
    assert g["lines"] == {"green": True, "amber": False, "red": False,
                          "buzzer": False}, g
    st.feed(b"\x00\xff\x1b[31m")
    g = wait_for(lambda: (x := tower(st))["tower"] == "refused" and x,
                 what="the refusal shown")
    assert g["lines"]["red"] and not g["lines"]["green"], g
    t0 = time.monotonic()
    g = wait_for(lambda: (x := tower(st))["tower"] == "ready" and x,
                 timeout=3, interval=0.02, what="back to ready")
    assert time.monotonic() - t0 > 0.5, "the refusal shows for a second"
    assert g["lines"] == {"green": True, "amber": False, "red": False,
                          "buzzer": False}, g


def test_parcel_put_down_asks_the_scale_at_weigh_only(station):
    st = station
    st.import_expected(expected_return())
    # elsewhere it changes nothing, not even the problem shown
    st.feed(b"\x00\xff")
    p = wait_for(lambda: st.status()["problem"], what="a problem shown")
    st.ok("POST", "/api/v1/buttons/parcel")
    time.sleep(0.3)
    s = st.status()
    assert s["step"] == "scan" and s["problem"] == p, s

    # a scale that does not answer: an error, red and beeping
    st.scale.mode = "silent"
    st.feed("RMA-10001")
    st.wait_step("weigh")
    g = wait_for(lambda: (x := tower(st))["tower"] == "error" and x,
                 timeout=15, what="the scale's fault as an error")
    assert g["lines"]["red"] and g["lines"]["buzzer"], g
    # the scale answers now: a parcel put down asks it again
    st.scale.mode = "stable"
    st.ok("POST", "/api/v1/buttons/parcel")
    s = wait_for(lambda: (x := st.status())["step"] != "weigh" and x,
                 timeout=10, what="weighed after the parcel was put down")
    assert st.receipt(s["receipt"])["weight_g"] == 420, s


def test_dead_outbox_row_is_an_error_until_a_press(station):
    st = station
    st.shop.fail_next(400)
    st.shop.fail_next(400)
    st.import_expected(expected_return())
    st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    st.confirm("accept")
    wait_for(lambda: st.status()["outbox"]["dead"] == 2, timeout=10,
             what="both rows dead after 400")
    s = st.status()
    g = s["devices"]["gpio"]
    assert g["tower"] == "error" and g["lines"]["red"], s
    assert "outbox row(s) dead" in s["problem"], s
    # a press answers the beep, which lasts a second otherwise; the light
    # stays red
    wait_for(lambda: tower(st)["lines"]["buzzer"], timeout=11, interval=0.02,
             what="the error's long beep")
    heard = time.monotonic()
    st.ok("POST", "/api/v1/buttons/reject")
    g = wait_for(lambda: (x := tower(st)) and not x["lines"]["buzzer"] and x,
                 timeout=2, interval=0.02, what="the beep answered")
    assert time.monotonic() - heard < 0.8, "silenced by the press"
    assert g["tower"] == "error" and g["lines"]["red"], g
