# SPDX-License-Identifier: MIT
"""A HID POS scale at a desk, end to end: the daemon reads the scale's
input reports from a pty (as it reads /dev/hidrawN), drops the first one,
shows the clerk what the scale says (calibration, re-zero, overload) as a
sentence, takes the weight once it has been stable for settle_ms, and
follows the scale when it is unplugged and plugged back."""
import os
import pty
import sqlite3
import struct
import time
import tty

import helpers
from helpers import expected_return, wait_for


class FakeHidScale:
    """The scale's side: a pty whose slave the board names (through a
    link that a replug moves), written with 6-byte data reports."""

    def __init__(self, link):
        self.link = link
        self.master = None
        self.plug()

    def plug(self):
        self.master, slave = pty.openpty()
        tty.setraw(slave)
        name = os.ttyname(slave)
        os.close(slave)
        if os.path.lexists(self.link):
            os.unlink(self.link)
        os.symlink(name, self.link)

    def unplug(self):
        os.close(self.master)
        self.master = None

    def report(self, status, unit, exponent, weight):
        os.write(self.master, struct.pack("<BBBbH", 3, status, unit,
                                          exponent, weight))

    def close(self):
        if self.master is not None:
            os.close(self.master)


def test_hid_scale_at_the_desk(make_station):
    st = make_station(start=False)
    scale = FakeHidScale(str(st.dir / "hidscale"))
    try:
        st.board["scale"] = {"backend": "hidpos", "path": scale.link,
                             "settle_ms": 200, "stable_timeout_ms": 3000,
                             "reply_timeout_ms": 300}
        st.write_config()
        st.start()
        st.sign_in()
        st.import_expected(expected_return())
        scale.report(4, 2, 0, 9999)         # held from before: dropped
        st.feed("RMA-10001")
        s = st.wait_step("weigh")
        rid = s["receipt"]

        # the scale asks for calibration: the clerk reads what to do
        scale.report(7, 2, 0, 0)
        s = wait_for(lambda: (x := st.status())["problem"] and x,
                     what="the calibration problem")
        assert "needs calibration" in s["problem"], s["problem"]
        assert s["step"] == "weigh"
        # asked again: it now needs zeroing
        scale.report(8, 2, 0, 0)
        time.sleep(0.1)
        st.ok("POST", "/api/v1/weigh")
        wait_for(lambda: "zeroed" in st.status()["problem"],
                 what="the re-zero problem: %r" % st.status()["problem"])

        # stable 1.234 kg, held for settle_ms: taken
        st.ok("POST", "/api/v1/weigh")
        scale.report(3, 3, -3, 1200)        # in motion
        time.sleep(0.05)
        t0 = time.monotonic()
        scale.report(4, 3, -3, 1234)
        wait_for(lambda: st.status()["step"] != "weigh", timeout=5,
                 what="the weight taken")
        assert time.monotonic() - t0 >= 0.2
        rec = st.receipt(rid)
        assert rec["weighed"] and rec["weight_g"] == 1234, rec
        # the log and the record keep what the scale said
        assert "1234 g (1.234 kg)" in st.log()
        assert any(n.get("text", n.get("note")) == "scale read 1.234 kg"
                   for n in rec.get("notes", [])), rec

        # unplugged: the scale is missing; plugged back: there again
        scale.unplug()
        wait_for(lambda: st.status()["devices"]["scale"]["last_error"],
                 what="the scale reported missing")
        assert "scale" in st.status()["devices"]["scale"]["last_error"]
    finally:
        scale.close()


def test_zeroing_the_hid_scale(make_station):
    """desk zero / POST /api/v1/scale/zero: the Scale Control Report
    (id 2, Enforced Zero Return) reaches the scale between parcels, and
    is refused during one (a new zero under a parcel changes its weight);
    a scale that is gone says so."""
    st = make_station(start=False)
    scale = FakeHidScale(str(st.dir / "hidscale"))
    try:
        st.board["scale"] = {"backend": "hidpos", "path": scale.link,
                             "settle_ms": 200, "stable_timeout_ms": 3000,
                             "reply_timeout_ms": 300}
        st.write_config()
        st.start()
        st.sign_in()
        code, body = st.call("POST", "/api/v1/scale/zero")
        assert code == 200, body
        assert os.read(scale.master, 64) == bytes([2, 1])
        db = sqlite3.connect(str(st.db))
        rows = db.execute("SELECT actor FROM audit"
                          " WHERE action = 'scale.zeroed'").fetchall()
        db.close()
        assert rows == [("Ola",)], rows
        st.import_expected(expected_return())
        st.feed("RMA-10001")
        wait_for(lambda: st.status()["step"] == "weigh", what="weigh step")
        code, body = st.call("POST", "/api/v1/scale/zero")
        assert code == 409 and "between parcels" in body["error"], body
        st.call("POST", "/api/v1/cancel")
        wait_for(lambda: st.status()["step"] == "scan", what="scan step")
        scale.unplug()
        wait_for(lambda: not st.status()["devices"]["scale"]["ok"],
                 what="the scale gone")
        code, body = st.call("POST", "/api/v1/scale/zero")
        assert code in (409, 503) and "scale" in body["error"], body
    finally:
        scale.close()

