# SPDX-License-Identifier: MIT
"""A keyboard-wedge scanner as the daemon reads it: input_event records
written to the pipe the board names as the scanner's event node, through
the evdev backend and its keymap, into a code the station classifies (a
clerk's badge signs the clerk in).  The records are what the kernel hands
over for a real scanner; only the node is a FIFO instead of
/dev/input/eventN (nothing to grab, src/dev/scanner_evdev.c says why)."""
import os
import struct
import time

import pytest

import helpers

EV_SYN, EV_KEY = 0, 1
KEY_LEFTSHIFT, KEY_ENTER, KEY_TAB = 42, 28, 15

# key codes of linux/input-event-codes.h, by the US key's letter
US_LETTERS = dict(zip("qwertyuiopasdfghjklzxcvbnm",
                      [16, 17, 18, 19, 20, 21, 22, 23, 24, 25,
                       30, 31, 32, 33, 34, 35, 36, 37, 38,
                       44, 45, 46, 47, 48, 49, 50]))
US_DIGITS = {d: 2 + (int(d) - 1) % 10 for d in "1234567890"}


def us_key(ch):
    """(code, shift) a scanner set to the US layout sends for @ch."""
    if ch.lower() in US_LETTERS:
        return US_LETTERS[ch.lower()], ch.isupper()
    if ch in US_DIGITS:
        return US_DIGITS[ch], False
    return {"-": (12, False), "_": (12, True)}[ch]


def fr_key(ch):
    """AZERTY: a/q and z/w swapped, m right of l, digits on shift."""
    swap = {"a": "q", "q": "a", "z": "w", "w": "z"}
    low = ch.lower()
    if low == "m":
        return 39, ch.isupper()
    if low in US_LETTERS:
        return US_LETTERS[swap.get(low, low)], ch.isupper()
    if ch in US_DIGITS:
        return US_DIGITS[ch], True
    return {"-": (7, False), "_": (9, False)}[ch]


def record_format():
    """struct input_event as the daemon's build has it: 24 bytes on a
    64-bit build, 16 on a 32-bit one (armhf under qemu-user, whose
    retourd is a wrapper script naming the binary)."""
    with open(helpers.binary("retourd"), "rb") as f:
        head = f.read(4096)
    if head.startswith(b"#!"):
        real = head.split(b"\n")[1].split()[2].decode()
        with open(real, "rb") as f:
            head = f.read(8)
    return "=qqHHi" if head[4] == 2 else "=iiHHi"


def records(text, key_of, t0=None, step_us=1000):
    """The event records of typing @text and Enter, with SYN_REPORTs."""
    t = int((t0 if t0 is not None else time.monotonic()) * 1e6)
    fmt = record_format()
    out = b""

    def ev(typ, code, value):
        nonlocal out, t
        out += struct.pack(fmt, t // 1000000, t % 1000000, typ, code, value)
        out += struct.pack(fmt, t // 1000000, t % 1000000, EV_SYN, 0, 0)
        t += step_us

    for ch in text:
        code, shift = key_of(ch)
        if shift:
            ev(EV_KEY, KEY_LEFTSHIFT, 1)
        ev(EV_KEY, code, 1)
        ev(EV_KEY, code, 2)  # autorepeat: dropped
        ev(EV_KEY, code, 0)
        if shift:
            ev(EV_KEY, KEY_LEFTSHIFT, 0)
    ev(EV_KEY, KEY_ENTER, 1)
    ev(EV_KEY, KEY_ENTER, 0)
    return out


def evdev_station(make_station, layout):
    st = make_station(start=False)
    node = st.dir / "scanner.ev"
    os.mkfifo(node)
    st.board["scanner"] = {"backend": "evdev", "path": str(node),
                           "layout": layout, "max_line": 256}
    st.write_config()
    st.start()
    return st, node


def type_into(node, data):
    fd = os.open(node, os.O_WRONLY)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


@pytest.mark.parametrize("layout,key_of", [("us", us_key), ("fr", fr_key)])
def test_wedge_badge_signs_in(make_station, layout, key_of):
    st, node = evdev_station(make_station, layout)
    dev = st.status()["devices"]["scanner"]
    assert dev["ok"], dev
    assert dev["id"] == str(node)
    type_into(node, records("CLERK-0001", key_of))
    helpers.wait_for(lambda: st.status()["clerk"] == "Ola",
                     what="clerk signed in by the wedge scanner")
    assert "a pipe of input events" in st.log()


def test_wedge_wrong_layout_is_not_read_as_a_badge(make_station):
    """A scanner set to AZERTY read as US types '&' for '1': the badge is
    not recognised, and nobody is signed in."""
    st, node = evdev_station(make_station, "us")
    type_into(node, records("CLERK-0001", fr_key))
    helpers.wait_for(lambda: "not expected" in st.status()["problem"],
                     what="the misread badge refused")
    assert st.status()["clerk"] == ""
    type_into(node, records("CLERK-0002", us_key))
    helpers.wait_for(lambda: st.status()["clerk"] == "Piotr",
                     what="the second, US-typed badge read")


@pytest.mark.parametrize("keys,needle", [
    ({"layout": "qwertz"}, "unknown layout 'qwertz' (known: us, pl, de, fr)"),
    ({"usb": "0c2e-0b61"}, "'0c2e-0b61' is not a USB id"),
    ({"terminator": "newline"}, "'newline' is not a terminator"),
    ({"gap_ms": "0"}, "'0' is not a whole number from 5 to 10000 for "
                      "'gap_ms'"),
], ids=["layout", "usb", "terminator", "gap"])
def test_bad_evdev_settings_are_refused(make_station, keys, needle):
    st = make_station(start=False, board={"scanner": dict(
        {"backend": "evdev", "path": "/dev/input/event0"}, **keys)})
    proc = st.start(expect_ready=False)
    proc.wait(timeout=10)
    assert proc.returncode != 0
    key, value = next(iter(keys.items()))
    board = (st.dir / "board.conf").read_text().splitlines()
    line = board.index("%s = %s" % (key, value)) + 1
    assert "board.conf:%d: %s" % (line, needle) in st.log(), st.log()
