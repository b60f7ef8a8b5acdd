# SPDX-License-Identifier: MIT
"""Bad input from every side: scanner lines, scale replies, printer, camera,
API bodies, configuration files, the database file, a full disk.  The daemon
keeps running (or refuses to start) and says why; nothing half-done is
recorded."""
import os
import shutil
import socket
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

import helpers
from helpers import GTIN_TSHIRT, expected_return, file_digest, wait_for


def no_receipts(st):
    return st.returns() == []


# ---- scanner ----

@pytest.mark.parametrize("line,why", [
    (b"RMA-" + b"1" * 400, ("long", "256")),    # longer than max_line 256
    (b"\x00\xff\x1b[31mRMA-10001\x07\xfe", ("nul", "byte")),   # binary
    (b"RMA-\xc3\xa9-10001", ("ascii", "byte")),   # wrong keyboard layout
], ids=["overlong", "binary", "non-ascii"])
def test_bad_scanner_line(station, line, why):
    st = station
    st.import_expected(expected_return())
    st.feed(line)
    s = wait_for(lambda: (x := st.status())["problem"] and x,
                 what="a problem shown for the bad line")
    assert any(w in s["problem"].lower() for w in why), s["problem"]
    assert s["step"] == "scan", s
    assert s["light"] == "red", s
    assert st.alive()
    assert no_receipts(st)
    # the scanner still works afterwards
    st.feed("RMA-10001")
    wait_for(lambda: st.status()["step"] != "scan")
    assert len(st.returns()) == 1


def test_wrong_check_digit_is_refused(station):
    st = station
    st.import_expected(expected_return())
    s = st.run_to("RMA-10001", stop_at="items")
    rid = s["receipt"]
    st.feed("5901234123458")        # EAN-13 with a wrong check digit
    s = wait_for(lambda: (x := st.status())["problem"] and x)
    assert "check digit" in s["problem"].lower(), s["problem"]
    assert s["step"] == "items"
    assert st.receipt(rid)["items"] == []
    # the right code is accepted
    st.scan_item(GTIN_TSHIRT)
    assert len(st.receipt(rid)["items"]) == 1


def test_wrong_check_digit_parcel_code(station):
    st = station
    st.import_expected(expected_return(lookup_codes=["RR123456785PL"]))
    st.feed("RR123456784PL")        # UPU S10 with a wrong check digit
    s = wait_for(lambda: (x := st.status())["problem"] and x)
    assert "check digit" in s["problem"].lower(), s["problem"]
    assert s["step"] == "scan" and no_receipts(st)


# ---- scale ----

@pytest.mark.parametrize("mode", ["garbage", "partial", "silent",
                                  "overload"])
def test_bad_scale_replies(station, mode):
    st = station
    st.import_expected(expected_return())
    st.scale.mode = mode
    st.feed("RMA-10001")
    s = st.wait_step("weigh")
    rid = s["receipt"]
    s = wait_for(lambda: (x := st.status())["problem"] and x, timeout=5,
                 what="a problem for scale mode %s" % mode)
    time.sleep(0.5)
    s = st.status()
    assert s["step"] == "weigh", s
    assert s["problem"], s
    assert not st.receipt(rid)["weighed"]
    assert st.alive()
    # a good reading continues the routine
    st.scale.mode = "stable"
    st.ok("POST", "/api/v1/weigh")
    wait_for(lambda: st.status()["step"] != "weigh", timeout=5,
             what="weigh step done after a good reading")
    rec = st.receipt(rid)
    assert rec["weighed"] and rec["weight_g"] == 420


# ---- printer ----

def finish_accepted(st):
    st.import_expected(expected_return())
    st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    return st.confirm("accept")


def test_printer_refuses(make_station):
    port = helpers.free_port()          # nothing listens there
    st = make_station(printer=True, board={"printer": {"port": port}})
    st.sign_in()
    rid = finish_accepted(st)
    rec = st.receipt(rid)
    assert rec["verdict"] == "accept" and rec["refund_minor"] == 11297
    # the label is printed off the loop: its failure is reported after
    s = wait_for(lambda: (x := st.status())["devices"]["printer"]
                 ["last_error"] and x, what="printer error shown")
    assert "not printed" in s["problem"], s["problem"]
    rec = wait_for(lambda: (r := st.receipt(rid))["labels"] and
                   r["labels"][0]["printed"] is False and r,
                   what="label recorded as not printed")
    assert st.alive()


def test_printer_that_does_not_answer_does_not_hold_the_desk(make_station):
    """A network printer whose connection never completes (its queue is
    full, SYNs dropped) holds a label for its whole timeout; the desk must
    take the decision and the next parcel meanwhile."""
    silent = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    silent.bind(("127.0.0.1", 0))
    silent.listen(0)
    port = silent.getsockname()[1]
    fillers = []
    for _ in range(3):      # fill the accept queue; never accept
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.setblocking(False)
        c.connect_ex(("127.0.0.1", port))
        fillers.append(c)
    try:
        st = make_station(board={"printer": {"port": port,
                                             "timeout_ms": 3000}})
        st.sign_in()
        st.import_expected(expected_return())
        st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
        t0 = time.monotonic()
        rid = st.confirm("accept")
        took = time.monotonic() - t0
        assert took < 1.0, "confirm waited %.2f s for the printer" % took
        t0 = time.monotonic()
        s = st.status()
        assert time.monotonic() - t0 < 0.5
        assert s["step"] == "scan" and st.receipt(rid)["verdict"] == "accept"
        s = wait_for(lambda: (x := st.status())["devices"]["printer"]
                     ["last_error"] and x, timeout=8,
                     what="the printer's timeout reported")
        assert "no answer" in s["devices"]["printer"]["last_error"], s
    finally:
        for c in fillers:
            c.close()
        silent.close()


def test_printer_resets_connection(make_station):
    st = make_station(printer_mode="reset")
    st.sign_in()
    rid = finish_accepted(st)
    assert st.receipt(rid)["verdict"] == "accept"
    assert st.alive()
    # the printer comes back: the next label gets through
    st.printer.mode = "ok"
    st.import_expected(expected_return(rma="RMA-10005", order="ORD-1005"))
    st.run_to("RMA-10005", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    st.confirm("accept")
    wait_for(lambda: [j for j in st.printer.labels() if b"RMA-10005" in j])
    assert st.status()["devices"]["printer"]["last_error"] == ""


# ---- camera ----

@pytest.mark.parametrize("content", ["empty", "zero_byte", "dangling_link",
                                     "directory", "unreadable"])
def test_camera_without_images(make_station, content, tmp_path):
    cam = tmp_path / "camera"
    cam.mkdir()
    if content == "zero_byte":
        (cam / "broken.jpg").write_bytes(b"")
    elif content == "dangling_link":
        (cam / "gone.jpg").symlink_to(tmp_path / "nowhere.jpg")
    elif content == "directory":
        (cam / "folder.jpg").mkdir()
    elif content == "unreadable":
        # a FIFO named like an image: opening it would block a plain reader
        os.mkfifo(cam / "pipe.jpg")
    st = make_station(camera_dir=cam)
    st.sign_in()
    st.import_expected(expected_return())
    st.feed("RMA-10001")
    s = wait_for(lambda: (x := st.status())["step"] == "photo" and
                 x["problem"] and x, what="photo step with a problem")
    rid = s["receipt"]
    assert st.receipt(rid)["photos"] == []
    s = st.ok("POST", "/api/v1/skip")
    wait_for(lambda: st.status()["step"] not in ("photo", "weigh"))
    assert st.alive()


def test_photo_store_unwritable(make_station):
    """The photo store's directory replaced by a file while running (a
    mount gone wrong): the photo is refused with the path, nothing is
    recorded, the clerk can skip and go on."""
    st = make_station()
    st.sign_in()
    st.import_expected(expected_return())
    photos = st.dir / "photos"
    shutil.rmtree(photos)
    photos.write_bytes(b"not a directory")
    st.feed("RMA-10001")
    s = wait_for(lambda: (x := st.status())["step"] == "photo" and
                 x["problem"] and x, what="photo refused")
    assert "photo" in s["problem"].lower(), s["problem"]
    assert st.receipt(s["receipt"])["photos"] == []
    st.ok("POST", "/api/v1/skip")
    wait_for(lambda: st.status()["step"] != "photo")
    assert st.alive()
    assert photos.read_bytes() == b"not a directory"


def test_photo_refused_when_disk_is_full(make_station):
    st = make_station(station={"photo_min_free_mb": 1 << 20})   # 1 TiB
    free_mb = shutil.disk_usage(st.dir / "photos").free >> 20
    if free_mb >= 1 << 20:
        pytest.skip("more than 1 TiB free")
    st.sign_in()
    st.import_expected(expected_return())
    st.feed("RMA-10001")
    s = wait_for(lambda: (x := st.status())["step"] == "photo" and
                 x["problem"] and x, what="photo refused")
    assert any(w in s["problem"].lower() for w in ("space", "disk", "full")), \
        s["problem"]
    assert st.receipt(s["receipt"])["photos"] == []
    assert list((st.dir / "photos").rglob("*.jpg")) == []
    st.ok("POST", "/api/v1/skip")
    wait_for(lambda: st.status()["step"] != "photo")
    assert st.ctl_json("db", "check", "--json")["ok"] is True


# ---- the API ----

@pytest.mark.parametrize("body", [
    b'{"returns": [',
    b'not json at all',
    b'\xff\xfe\x00',
    b'{"returns": [{"rma": "RMA-1", "order": "ORD-1", "kind": "withdrawal",'
    b' "currency": "PLN", "items": "many"}]}',
], ids=["truncated", "text", "binary", "wrong-type"])
def test_malformed_expected_import(station, body):
    st = station
    code, answer = st.call("POST", "/api/v1/expected", raw=body)
    assert code == 400, (code, answer)
    assert isinstance(answer, dict) and answer.get("error"), answer
    got = st.ok("GET", "/api/v1/expected")
    got = got.get("returns", got) if isinstance(got, dict) else got
    assert got == [], got


def test_import_is_all_or_nothing(station):
    st = station
    good = expected_return()
    bad = expected_return(rma="RMA-10009", order="ORD-1009")
    bad["items"][0]["quantity"] = -3
    code, answer = st.call("POST", "/api/v1/expected",
                           {"returns": [good, bad]})
    assert code == 400 and answer.get("error"), answer
    got = st.ok("GET", "/api/v1/expected")
    got = got.get("returns", got) if isinstance(got, dict) else got
    assert got == [], got


@pytest.mark.parametrize("body", [b'{"code": 12', b'[]', b'{"code": 5}',
                                  b'{}'])
def test_malformed_scan(station, body):
    st = station
    st.import_expected(expected_return())
    code, answer = st.call("POST", "/api/v1/scan", raw=body)
    assert code == 400 and answer.get("error"), (code, answer)
    assert st.status()["step"] == "scan"
    assert no_receipts(st)


# ---- configuration ----

def run_check(conf):
    return subprocess.run([helpers.binary("retourd"), "-n", "-c", str(conf)],
                          capture_output=True, text=True, timeout=10)


@pytest.mark.parametrize("section,key,value,needle", [
    ("station", "grace_period", "5", "unknown key"),
    ("station", "grace_s", "five", "grace_s"),
    ("shop", "withdrawal_days", "7", "withdrawal_days"),
    ("shop", "refund_basic_delivery", "maybe", "refund_basic_delivery"),
], ids=["unknown-key", "not-a-number", "out-of-range", "not-a-bool"])
def test_bad_config_is_refused(make_station, section, key, value, needle):
    st = make_station(start=False)
    text = Path(st.conf_path).read_text().splitlines()
    idx = text.index("[%s]" % section)
    text.insert(idx + 1, "%s = %s" % (key, value))
    Path(st.conf_path).write_text("\n".join(text) + "\n")
    p = run_check(st.conf_path)
    assert p.returncode != 0, p
    out = p.stdout + p.stderr
    assert "%s:%d:" % (st.conf_path, idx + 2) in out, out
    assert needle in out, out
    # the good file passes
    st.write_config()
    p = run_check(st.conf_path)
    assert p.returncode == 0, p.stdout + p.stderr


def test_shop_name_that_cannot_go_into_the_outbox_key_is_refused(
        make_station):
    """A shop name with a space would make every outbox key unsendable
    (the webhook header refuses it): refused when the file is checked, with
    the line, the value and what to use instead."""
    st = make_station(start=False)
    text = Path(st.conf_path).read_text().splitlines()
    idx = text.index("name = demo", text.index("[shop]"))
    text[idx] = "name = demo shop"
    Path(st.conf_path).write_text("\n".join(text) + "\n")
    p = run_check(st.conf_path)
    assert p.returncode != 0, p
    out = p.stdout + p.stderr
    assert ('%s:%d: [shop] name "demo shop": use 1-31 of A-Z a-z 0-9 . _ -'
            % (st.conf_path, idx + 1)) in out, out
    # the daemon itself refuses to start on it, too
    proc = st.start(expect_ready=False)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pytest.fail("retourd started with shop name 'demo shop':\n" +
                    st.log())
    assert proc.returncode != 0
    assert "demo shop" in st.log(), st.log()


def test_bad_board_file_is_refused(make_station):
    st = make_station(start=False, board={"scale": {"reply_timeout_ms": 0}})
    p = run_check(st.conf_path)
    assert p.returncode != 0
    board = str(st.dir / "board.conf")
    assert board + ":" in p.stderr + p.stdout, p.stderr


# ---- the database file ----

def wait_refused(st, timeout=20):
    proc = st.start(expect_ready=False)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail("retourd started on a database it should refuse:\n" +
                    st.log())
    assert proc.returncode != 0
    return st.log()


def test_locked_database_is_refused(make_station):
    st = make_station()         # creates the database
    st.stop()
    before = file_digest(st.db)
    con = sqlite3.connect(str(st.db), isolation_level=None, timeout=1)
    try:
        con.execute("PRAGMA locking_mode=EXCLUSIVE")
        con.execute("BEGIN EXCLUSIVE")
        log = wait_refused(st)
    finally:
        con.close()
    tail = log.rsplit("---- retourd started by the test ----", 1)[-1]
    assert str(st.db) in tail and "lock" in tail.lower(), tail
    assert file_digest(st.db) == before


def test_corrupt_database_is_refused(make_station):
    st = make_station(start=False)
    st.db.write_bytes(os.urandom(64 * 1024))
    before = file_digest(st.db)
    log = wait_refused(st)
    assert str(st.db) in log, log
    assert any(w in log.lower() for w in ("not a database", "corrupt",
                                          "malformed")), log
    assert file_digest(st.db) == before
