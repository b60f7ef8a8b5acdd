# SPDX-License-Identifier: MIT
"""The board file's devices as `retourd -n` and the daemon see them: a
backend that does not exist, or a setting its backend does not take, is
refused with the file and the line before anything runs; the shipped
boards load as they are."""
import subprocess
from pathlib import Path

import pytest

import helpers

REPO = Path(__file__).resolve().parents[2]


def run_check(conf, board=None):
    argv = [helpers.binary("retourd"), "-n", "-c", str(conf)]
    if board:
        argv += ["-b", str(board)]
    return subprocess.run(argv, capture_output=True, text=True, timeout=10,
                          cwd=str(REPO))


def line_of(path, text, after=None):
    lines = Path(path).read_text().splitlines()
    start = lines.index(after) if after else 0
    return lines.index(text, start) + 1


def refused_at_start(st):
    proc = st.start(expect_ready=False)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pytest.fail("retourd started on a bad board:\n" + st.log())
    assert proc.returncode != 0
    return st.log()


def test_unknown_scanner_backend_is_refused(make_station):
    """Before, an unknown backend passed the check and the daemon ran
    without a scanner."""
    st = make_station(start=False, board={"scanner": {"backend": "hid"}})
    board = st.dir / "board.conf"
    want = ("%s:%d: unknown scanner backend 'hid' (known: pty, tty, fifo, "
            "evdev, none)" % (board, line_of(board, "backend = hid")))
    p = run_check(st.conf_path)
    assert p.returncode != 0
    assert want in p.stdout + p.stderr, p.stdout + p.stderr
    assert want in refused_at_start(st)


@pytest.mark.parametrize("section,key,value,needle", [
    ("printer", "backend", "usb",
     "unknown printer backend 'usb' (known: tcp, dir, none)"),
    ("camera", "fps", "30",
     "unknown key 'fps' for camera backend 'dir' (known: dir)"),
    ("scale", "stable_timeout_ms", "5",
     "'5' is not a whole number from 100 to 60000 for 'stable_timeout_ms'"),
], ids=["printer-backend", "camera-key", "scale-value"])
def test_bad_device_setting_is_refused_with_its_line(make_station, section,
                                                     key, value, needle):
    st = make_station(start=False, board={section: {key: value}})
    board = st.dir / "board.conf"
    line = line_of(board, "%s = %s" % (key, value), after="[%s]" % section)
    p = run_check(st.conf_path)
    assert p.returncode != 0
    assert "%s:%d: %s" % (board, line, needle) in p.stdout + p.stderr, \
        p.stdout + p.stderr


@pytest.mark.parametrize("board", ["boards/sim.conf", "boards/rpi4.conf"])
def test_shipped_boards_pass_the_check(board):
    p = run_check("conf/sim.conf", board)
    assert p.returncode == 0, p.stdout + p.stderr


def test_devices_are_logged_and_a_missing_one_does_not_stop_the_desk(
        make_station, tmp_path):
    """A camera directory that is not there: the desk starts, says so in
    the status, and the other devices work."""
    st = make_station(camera_dir=tmp_path / "no-camera")
    s = st.status()["devices"]
    assert s["camera"]["present"] is False
    assert "no-camera" in s["camera"]["last_error"], s
    assert s["printer"]["present"] is True
    assert s["scanner"]["feed"] == st.feed_path
    assert "no-camera" in st.log()
