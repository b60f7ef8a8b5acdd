# SPDX-License-Identifier: MIT
"""The shipped board files (boards/*.conf) as an installer meets them:
each passes `retourd -n` with only its absent devices reported, the check
names every problem of a broken board with its line, and the sim board
runs a return end to end exactly as it is shipped."""
import os
import re
import subprocess
from pathlib import Path

import pytest

import helpers
from helpers import GTIN_TSHIRT, REPO, expected_return, wait_for
from sim.scale import SimScale

BOARDS = sorted(p.name for p in (REPO / "boards").glob("*.conf"))
# what a real board has that this machine does not: reported, never refused
ABSENT = re.compile(r"^retourd: (boards/[\w.-]+\.conf):(\d+): \[(\w+)\] "
                    r"(no such device \S+|no GPIO chip '[^']+' \(.*\))"
                    r"(?: \(the daemon (?:waits for|starts without) "
                    r"it\))?$")


def check(board, wait=False, cwd=REPO, conf="conf/sim.conf"):
    argv = [helpers.binary("retourd"), "-n", "-c", str(conf), "-b",
            str(board)] + (["-w"] if wait else [])
    return subprocess.run(argv, capture_output=True, text=True, timeout=10,
                          cwd=str(cwd))


def absent_lines(out):
    return [ln for ln in out.splitlines() if ABSENT.match(ln)]


def test_the_issue_boards_are_all_there():
    assert set(BOARDS) >= {"rpi4.conf", "rpi5.conf", "cm4.conf",
                           "beaglebone-black.conf", "sim.conf"}


@pytest.mark.parametrize("name", BOARDS)
def test_board_passes_the_check_with_absent_devices_only(name):
    """-w: a device not plugged in is told, not refused (the service's
    ExecStartPre); without -w the same devices make exit 3, and nothing
    else is said against the file."""
    board = "boards/" + name
    text = (REPO / board).read_text()
    p = check(board, wait=True)
    out = p.stdout + p.stderr
    assert p.returncode == 0, out
    told = [ln for ln in out.splitlines()
            if "configuration ok" not in ln and "retention:" not in ln]
    assert told == absent_lines(out), out
    # the shipped configuration keeps label photos until the site says
    assert "photos of shipping labels (names and addresses) are kept " \
        "for ever" in out, out
    # each real board names a GPIO chip, every line role and the
    # /dev/retour links the udev rules make
    if name != "sim.conf":
        assert re.search(r"^chip = \S+", text, re.M), name
        for role in ("accept", "reject", "pedal", "parcel", "green",
                     "amber", "red", "buzzer"):
            assert re.search(r"^%s = \S+" % role, text, re.M), (name, role)
        for dev in ("scanner", "scale", "camera"):
            assert "/dev/retour/%s" % dev in text, (name, dev)
        # the rig's board is tested (make check-hil): the others say
        # what is assumed
        assert text.startswith("#") and (
            name == "hil.conf" or "untested" in text.split("[")[0])
    p = check(board)
    if absent_lines(p.stdout + p.stderr):
        assert p.returncode == 3, p.stdout + p.stderr
    else:
        assert p.returncode == 0, p.stdout + p.stderr


def test_rpi5_chip_is_named_by_label_and_reported_absent_with_its_line():
    if list(Path("/dev").glob("gpiochip*")):
        pytest.skip("this machine has GPIO chips")
    p = check("boards/rpi5.conf")
    lines = (REPO / "boards/rpi5.conf").read_text().splitlines()
    want = "boards/rpi5.conf:%d: [gpio] no GPIO chip 'pinctrl-rp1'" % (
        lines.index("chip = pinctrl-rp1") + 1)
    assert p.returncode == 3
    assert want in p.stdout + p.stderr, p.stdout + p.stderr
    # opened once at the start: the daemon goes on without it
    p = check("boards/rpi5.conf", wait=True)
    assert p.returncode == 0
    assert "(the daemon starts without it)" in p.stdout + p.stderr


BROKEN = """\
[board]
name = broken
name = twice
[scaler]
backend = tty
[scanner]
backend = tty
baud = 7
[printer]
backend = cups
[camera]
backend = v4l2
fps = 0
[gpio]
backend = gpiod
accept = GPIO17
red = GPIO17
horn = GPIO4
this is no setting
  indented = 1
x = \x01
y = \xff
"""


def test_broken_board_lists_every_problem_with_its_line(tmp_path):
    board = tmp_path / "broken.conf"
    board.write_bytes(BROKEN.encode("latin-1") + b"z = " + b"9" * 300 +
                      b"\nn = a\x00b\n")
    p = check(board)
    out = p.stdout + p.stderr
    assert p.returncode == 1, out
    src = BROKEN.splitlines() + ["z = ...", "n = a"]

    def at(text, nth=0):
        return [i for i, ln in enumerate(src) if ln.startswith(text)][nth] + 1

    want = {
        at("name", 1): "'name' is given twice in this section (first on "
                       "line %d" % at("name"),
        at("[scaler]"): "unknown section [scaler] in a board file",
        at("backend = tty", 1): "[scanner] backend 'tty' needs 'path'",
        at("baud"): "'7' is not a whole number from 1200 to 921600 for "
                    "'baud'",
        at("backend = cups"): "unknown printer backend 'cups' (known: tcp, "
                              "usb, dir, none)",
        at("backend = v4l2"): "[camera] backend 'v4l2' needs 'device'",
        at("fps"): "'0' is not a whole number from 1 to 240 for 'fps'",
        at("backend = gpiod"): "[gpio] backend 'gpiod' needs 'chip'",
        at("red"): "gpio line 'GPIO17' is named for both accept (line %d) "
                   "and red" % at("accept"),
        at("horn"): "unknown key 'horn' for gpio backend 'gpiod'",
        at("this is"): "neither a [section] nor a 'key = value' line",
        at("  indented"): "an indented line would go on with the value "
                          "above",
        at("x ="): "control characters in the value of 'x'",
        at("y ="): "[gpio] y: not valid UTF-8",
        at("z ="): "the line is longer than the 198 bytes",
        at("n ="): "a NUL byte in the line",
    }
    for line, text in want.items():
        assert "%s:%d: %s" % (board, line, text) in out, (line, out)
    # in the order of the file's lines, and counted
    found = [int(m.group(1)) for m in
             re.finditer(r"^retourd: %s:(\d+): " % re.escape(str(board)),
                         out, re.M)]
    assert found == sorted(found) and set(found) == set(want), out
    assert "%d problems in the configuration" % len(want) in out


def test_station_file_problems_are_all_listed_too(tmp_path):
    conf = tmp_path / "station.conf"
    conf.write_text((REPO / "conf/sim.conf").read_text() +
                    "\n[station]\ngrace = 5\n"
                    "[shop]\nship_qc_tolerance_g = -1\n"
                    "[printer]\nbackend = dir\n")
    p = check(REPO / "boards/sim.conf", conf=conf)
    out = p.stdout + p.stderr
    assert p.returncode == 1, out
    src = conf.read_text().splitlines()
    for key, text in (
            ("grace = 5", "unknown key 'grace' in section [station]"),
            ("ship_qc_tolerance_g = -1",
             "'-1' is not a whole number from 0 to 100000"),
            ("[printer]", "unknown section [printer] (known:")):
        line = len(src) - src[::-1].index(key)
        assert "%s:%d: %s" % (conf, line, text) in out, (line, out)


def test_sim_board_as_shipped_takes_a_return_end_to_end(make_station):
    """boards/sim.conf itself (its paths are relative to where retourd
    starts): a run directory of the test's own, the sim scale on run/scale,
    codes on run/scanner, labels into run/labels."""
    st = make_station(start=False)
    run = st.dir / "run"
    (run / "labels").mkdir(parents=True)
    (st.dir / "tests" / "data").mkdir(parents=True)
    os.symlink(REPO / "tests/data/camera", st.dir / "tests/data/camera")
    st.scale.close()
    st.scale = SimScale(str(run / "scale"), weight_g=420)
    st.feed_path = str(run / "scanner")
    # retourd from the run directory's parent, on the shipped board
    with open(st.log_path, "ab") as log:
        st.proc = subprocess.Popen(
            [helpers.binary("retourd"), "-c", st.conf_path, "-b",
             str(REPO / "boards/sim.conf")], cwd=str(st.dir),
            stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    wait_for(lambda: st.proc.poll() is not None or
             "ready (board sim)" in st.log(), timeout=10,
             what="retourd on the sim board to be ready")
    assert st.proc.poll() is None, st.log()
    st.sign_in()
    st.import_expected(expected_return())
    s = st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT], grade="A")
    assert s["proposal"]["verdict"] == "accept", s
    code, answer = st.call("POST", "/api/v1/buttons/accept")
    assert code == 202, answer
    wait_for(lambda: (x := st.status())["step"] == "scan" and
             (x.get("last_decision") or {}).get("receipt") == s["receipt"],
             what="the sim accept button to decide the return")
    label = wait_for(lambda: [f for f in (run / "labels").iterdir()
                              if b"RMA-10001" in f.read_bytes()],
                     what="the label in run/labels")
    assert label
