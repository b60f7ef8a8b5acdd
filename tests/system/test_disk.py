# SPDX-License-Identifier: MIT
"""The disk (issue 12): the status and /metrics give the photo tree's and
the database's size, the free space and the days left at the week's
rate; below [station] photo_warn_free_mb the tower light shows disk_low
instead of ready and the status says why; below photo_min_free_mb photos
are refused with a sentence the clerk reads."""
import re

from helpers import GTIN_TSHIRT, expected_return, wait_for


def metric(text, name):
    m = re.search(r"^%s (\S+)$" % name, text, re.M)
    return float(m.group(1)) if m else None


def metrics(st):
    c = st.call("GET", "/metrics")
    assert c[0] == 200
    return c[1] if isinstance(c[1], str) else c[1].decode()


def test_sizes_free_space_and_days_left(make_station):
    st = make_station()
    d = st.status()["disk"]
    assert d["state"] == "ok", d
    assert d["free_bytes"] > 0 and d["database_bytes"] > 0, d
    assert d["photos_bytes"] == 0 and d["days_left"] is None, d
    st.sign_in()
    st.import_expected(expected_return())
    st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    st.confirm()
    st.stop()        # measured at the start, then once a minute
    st.start()
    d = st.status()["disk"]
    assert d["photos_bytes"] > 0 and d["bytes_per_day"] > 0, d
    assert d["days_left"] == (d["free_bytes"] - d["refuse_below_bytes"]) \
        // d["bytes_per_day"], d
    text = metrics(st)
    assert metric(text, "retour_photos_bytes") == d["photos_bytes"], text
    assert metric(text, "retour_disk_free_bytes") > 0
    assert metric(text, "retour_disk_days_left") == d["days_left"]
    assert metric(text, "retour_disk_low") == 0
    assert metric(text, "retour_db_bytes") > 0


def test_below_the_warning_floor_the_light_warns(make_station):
    # a warning floor above any disk here: always below it
    st = make_station(station={"photo_warn_free_mb": 1 << 20})
    d = st.status()["disk"]
    assert d["state"] == "low" and "nearly full" in d["text"], d
    st.sign_in()
    g = wait_for(lambda: (x := st.status()["devices"]["gpio"])["tower"]
                 == "disk_low" and x, what="the light warns")
    assert g["lines"]["green"] and not g["lines"]["red"], g
    assert metric(metrics(st), "retour_disk_low") == 1
    # the desk works on: a parcel, and ready again
    st.import_expected(expected_return())
    st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    st.confirm()
    wait_for(lambda: st.status()["devices"]["gpio"]["tower"] == "disk_low",
             what="disk_low again when ready")


def test_below_the_hard_floor_photos_are_refused(make_station):
    st = make_station(station={"photo_min_free_mb": 1 << 20,
                               "photo_warn_free_mb": 1 << 20})
    assert st.status()["disk"]["state"] == "full"
    st.sign_in()
    st.import_expected(expected_return())
    st.feed("RMA-10001")
    s = wait_for(lambda: (x := st.status()) and "not enough free space"
                 in repr(x) and x, timeout=10,
                 what="the clerk told the photo was refused")
    assert "not enough free space" in repr(s), s
