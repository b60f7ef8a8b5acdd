# SPDX-License-Identifier: MIT
"""The board file's devices as `retourd -n` and the daemon see them: a
backend that does not exist, or a setting its backend does not take, is
refused with the file and the line before anything runs; the shipped
boards load as they are."""
import subprocess
from pathlib import Path

import pytest

import helpers
from helpers import wait_for

REPO = Path(__file__).resolve().parents[2]


def run_check(conf, board=None, wait=False):
    argv = [helpers.binary("retourd"), "-n", "-c", str(conf)]
    if wait:
        argv += ["-w"]
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
    ("printer", "backend", "cups",
     "unknown printer backend 'cups' (known: tcp, usb, dir, none)"),
    ("camera", "exposure", "30",
     "unknown key 'exposure' for camera backend 'dir' (known: dir, stream, "
     "fps, decode, symbologies, decode_inverted, decode_density, "
     "decode_confirm, decode_forget_ms, decode_workers)"),
    ("camera", "format", "bmp",
     "'bmp' is not one of yuyv, mjpeg for 'format'"),
    ("scale", "stable_timeout_ms", "5",
     "'5' is not a whole number from 100 to 60000 for 'stable_timeout_ms'"),
    ("gpio", "active_low", "accept, foot",
     "'foot' in active_low is not a gpio line (accept, reject, pedal, "
     "parcel, green, amber, red, buzzer)"),
], ids=["printer-backend", "camera-key", "camera-format", "scale-value",
        "gpio-active-low"])
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
    """Their devices are not plugged in here (the sim scale's pty is made
    by scripts/simdesk.py): -w lets them wait, as the service does."""
    p = run_check("conf/sim.conf", board, wait=True)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "the daemon waits for it" in p.stdout + p.stderr


def test_rpi4_board_names_its_absent_scanner_with_its_line():
    if Path("/dev/retour/scanner").exists():
        pytest.skip("a scanner is plugged in here")
    p = run_check("conf/sim.conf", "boards/rpi4.conf")
    assert p.returncode == 3, p.stdout + p.stderr
    want = "boards/rpi4.conf:%d: [scanner] no such device " \
        "/dev/retour/scanner" % line_of(REPO / "boards/rpi4.conf",
                                        "path = /dev/retour/scanner")
    assert want in p.stdout + p.stderr, p.stdout + p.stderr


@pytest.mark.parametrize("section,backend,key", [
    ("scanner", "tty", "path"),
    ("scale", "mtsics", "path"),
    ("camera", "dir", "dir"),
])
def test_missing_device_is_refused_by_the_check_and_waited_for_by_the_daemon(
        make_station, section, backend, key):
    """A board written before its device is plugged in: `retourd -n` says
    which line names a device that is not there (exit 3, the files are
    right), `-n -w` lets it wait, and the daemon starts without it."""
    st = make_station(start=False)
    missing = str(st.dir / "ttyACM9")
    st.board[section] = {"backend": backend, key: missing}
    st.write_config()
    board = st.dir / "board.conf"
    want = "%s:%d: [%s] no such device %s" % (
        board, line_of(board, "%s = %s" % (key, missing),
                       after="[%s]" % section), section, missing)
    p = run_check(st.conf_path)
    assert p.returncode == 3, p.stdout + p.stderr
    assert want in p.stdout + p.stderr, p.stdout + p.stderr
    p = run_check(st.conf_path, wait=True)
    assert p.returncode == 0, p.stdout + p.stderr
    assert want + " (the daemon waits for it)" in p.stdout + p.stderr
    # the daemon starts, and says the device is missing
    st.start()
    dev = st.status()["devices"][section]
    assert dev["ok"] is False, dev
    assert "ttyACM9" in dev["last_error"], dev
    # the other devices still work: the desk answers
    assert st.status()["devices"]["printer"]["present"] is True


def test_a_path_the_daemon_makes_is_not_asked_for(make_station):
    """A pty scanner's link and a label directory are made at start."""
    st = make_station(start=False, printer=False)
    st.board["scanner"]["path"] = str(st.dir / "not-yet" / "scanner")
    st.board["printer"]["dir"] = str(st.dir / "not-yet-labels")
    st.write_config()
    p = run_check(st.conf_path)
    assert p.returncode == 0, p.stdout + p.stderr


# The backends that take a USB id arrive with their own branches: the
# first one this build knows is checked.
USB_ID_BACKENDS = [("scale", "hidpos", "usb"), ("printer", "usb", "usb"),
                   ("scanner", "evdev", "usb")]


@pytest.mark.parametrize("value,needle", [
    ("0922:80", "'0922:80' is not a USB id vendor:product"),
    ("0922-8003", "'0922-8003' is not a USB id vendor:product"),
    ("0922:8003:",
     "'0922:8003:': the serial after vendor:product must be 1 to 63"),
])
def test_malformed_usb_id_is_refused_with_its_line(make_station, value,
                                                   needle):
    checked = 0
    for section, backend, key in USB_ID_BACKENDS:
        st = make_station(start=False,
                          board={section: {"backend": backend, key: value}})
        p = run_check(st.conf_path)
        out = p.stdout + p.stderr
        if "unknown %s backend" % section in out or "unknown key" in out:
            continue
        board = st.dir / "board.conf"
        line = line_of(board, "%s = %s" % (key, value),
                       after="[%s]" % section)
        assert p.returncode == 1, out
        assert "%s:%d: %s" % (board, line, needle) in out, out
        checked += 1
    if not checked:
        pytest.skip("no backend of this build takes a USB id")


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


def test_several_scanners_each_with_its_id(make_station):
    """[scanner] and [scanner NAME] sections: every scanner is opened and
    shown with a stable id, and a code from any of them reaches the desk;
    the status keeps its "scanner" object (the first one)."""
    st = make_station(start=False)
    hand = st.dir / "handheld"
    st.board["scanner handheld"] = {"backend": "fifo", "path": str(hand)}
    st.write_config()
    st.start()
    devs = st.status()["devices"]
    assert devs["scanner"]["feed"] == st.feed_path, devs
    got = {s["name"]: s for s in devs["scanners"]}
    assert list(got) == ["scanner", "handheld"], devs["scanners"]
    assert got["handheld"]["id"] == "handheld:%s" % hand, got
    assert got["scanner"]["id"] == "scanner:%s" % st.feed_path, got
    assert all(s["ok"] for s in got.values()), got
    # the clerk signs in with the second scanner
    with open(hand, "w") as f:
        f.write("CLERK-0001\n")
    wait_for(lambda: st.status()["clerk"] == "Ola",
             what="a badge read by the second scanner")
    assert "scanner handheld (handheld:%s): a code" % hand in st.log()


def test_absent_second_scanner_is_named_by_its_section(make_station):
    st = make_station(start=False)
    missing = str(st.dir / "ttyACM9")
    st.board["scanner serial"] = {"backend": "tty", "path": missing}
    st.write_config()
    board = st.dir / "board.conf"
    p = run_check(st.conf_path)
    assert p.returncode == 3, p.stdout + p.stderr
    want = "%s:%d: [scanner serial] no such device %s" % (
        board, line_of(board, "path = %s" % missing), missing)
    assert want in p.stdout + p.stderr, p.stdout + p.stderr
    st.start()
    devs = st.status()["devices"]
    assert devs["scanner"]["ok"] is False, devs
    assert "serial: " in devs["scanner"]["last_error"], devs
    serial = [s for s in devs["scanners"] if s["name"] == "serial"][0]
    assert serial["ok"] is False and "ttyACM9" in serial["last_error"]
